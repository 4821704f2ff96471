/// Service-level objectives for goodput, as vLLM's `--goodput ttft:500 tpot:50 e2el:2000`
/// (milliseconds). A request is "good" when it completed and meets every objective given.
public struct GoodputSLO: Sendable, Equatable, CustomStringConvertible {
    /// Limits in seconds; nil = no objective on that metric.
    public var ttft: Double?
    public var tpot: Double?
    public var e2el: Double?

    public init(ttft: Double? = nil, tpot: Double? = nil, e2el: Double? = nil) {
        self.ttft = ttft; self.tpot = tpot; self.e2el = e2el
    }

    /// Parses `"ttft:500 tpot:50"` (space or comma separated, milliseconds).
    public init(parsing text: String) throws {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        try self.init(parsing: parts)
    }

    /// Parses the words of a repeated command-line option, e.g. `["ttft:500", "tpot:50"]`.
    public init(parsing parts: [String]) throws {
        let words = parts.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        guard !words.isEmpty else { throw GoodputSLOError.empty }
        self.init()
        var seen = Set<String>()
        for word in words {
            let pieces = word.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2 else { throw GoodputSLOError.malformed(word) }
            let name = pieces[0].lowercased()
            guard ["ttft", "tpot", "e2el"].contains(name) else { throw GoodputSLOError.unknownMetric(String(pieces[0])) }
            guard seen.insert(name).inserted else { throw GoodputSLOError.duplicate(name) }
            guard let ms = Double(pieces[1]), ms.isFinite, ms > 0 else {
                throw GoodputSLOError.badValue(name, String(pieces[1]))
            }
            let seconds = ms / 1000
            switch name {
            case "ttft": ttft = seconds
            case "tpot": tpot = seconds
            default: e2el = seconds
            }
        }
    }

    /// Whether a request meets every objective. Only completed requests can be good. A request with
    /// one output token has no TPOT; like vLLM (which counts its TPOT as 0) it meets a TPOT objective.
    public func isMet(by request: RequestMetrics) -> Bool {
        guard request.isCompleted else { return false }
        if let limit = ttft { guard let value = request.ttft, value <= limit else { return false } }
        if let limit = tpot, let value = request.tpot, value > limit { return false }
        if let limit = e2el { guard let value = request.e2el, value <= limit else { return false } }
        return true
    }

    /// The canonical spelling, e.g. `ttft:500 tpot:50` (milliseconds).
    public var description: String {
        [("ttft", ttft), ("tpot", tpot), ("e2el", e2el)].compactMap { name, value in
            value.map { "\(name):\(formatMilliseconds($0 * 1000))" }
        }.joined(separator: " ")
    }

    private func formatMilliseconds(_ ms: Double) -> String {
        ms == ms.rounded() && abs(ms) < 1e15 ? String(Int(ms)) : String(ms)
    }
}

/// Why a `--goodput` specification was refused; each message fits on one line.
public enum GoodputSLOError: Error, Equatable, CustomStringConvertible {
    case empty
    case malformed(String)
    case unknownMetric(String)
    case duplicate(String)
    case badValue(String, String)

    public var description: String {
        switch self {
        case .empty:
            return "goodput: no objectives given; expected e.g. \"ttft:500 tpot:50\" (milliseconds)"
        case .malformed(let word):
            return "goodput: \"\(word)\" is not NAME:MILLISECONDS (e.g. ttft:500)"
        case .unknownMetric(let name):
            return "goodput: unknown metric \"\(name)\"; valid ones are ttft, tpot, e2el"
        case .duplicate(let name):
            return "goodput: \(name) given more than once"
        case .badValue(let name, let value):
            return "goodput: \(name) needs a positive number of milliseconds, got \"\(value)\""
        }
    }
}
