/// One sample line of a Prometheus text exposition: `name{label="value",…} value [timestamp]`.
public struct MetricSample: Equatable, Sendable {
    public var name: String
    public var labels: [String: String]
    public var value: Double

    public init(name: String, labels: [String: String] = [:], value: Double) {
        self.name = name; self.labels = labels; self.value = value
    }
}

/// A bad line in a /metrics page, with its 1-based number: shown as one line on the instance's panel.
public struct PrometheusParseError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "/metrics line \(line): \(reason)" }
}

/// The samples of one scrape, indexed by metric name. `*_created` series (the time a counter was
/// made, not a measurement) are dropped while parsing.
public struct MetricsPage: Sendable {
    public private(set) var samples: [MetricSample] = []
    private var byName: [String: [Int]] = [:]

    public init(_ samples: [MetricSample] = []) { for s in samples { add(s) } }

    mutating func add(_ sample: MetricSample) {
        byName[sample.name, default: []].append(samples.count)
        samples.append(sample)
    }

    public var names: Dictionary<String, [Int]>.Keys { byName.keys }

    /// Every sample of `name`.
    public func series(_ name: String) -> [MetricSample] { (byName[name] ?? []).map { samples[$0] } }

    /// The sum over every series of `name` (e.g. over vLLM's `engine` label); nil when absent.
    public func total(_ name: String) -> Double? {
        guard let indices = byName[name], !indices.isEmpty else { return nil }
        return indices.reduce(0) { $0 + samples[$1].value }
    }

    /// The first of `names` that is present, summed: new names before old ones.
    public func total(anyOf names: [String]) -> Double? {
        for n in names { if let v = total(n) { return v } }
        return nil
    }

    /// Sums of `name` grouped by the value of `label`, in order of first appearance.
    public func totals(_ name: String, by label: String) -> [(String, Double)] {
        var order: [String] = [], sums: [String: Double] = [:]
        for s in series(name) {
            let key = s.labels[label] ?? ""
            if sums[key] == nil { order.append(key) }
            sums[key, default: 0] += s.value
        }
        return order.map { ($0, sums[$0]!) }
    }

    /// The distinct values of `label` over all samples whose names start with `prefix`.
    public func labelValues(_ label: String, prefix: String = "") -> Set<String> {
        var values = Set<String>()
        for s in samples where s.name.hasPrefix(prefix) { if let v = s.labels[label] { values.insert(v) } }
        return values
    }

    /// A cumulative histogram `name` (from `name_bucket`, `_sum`, `_count`), summed over series.
    public func histogram(_ name: String) -> CumulativeHistogram? {
        let buckets = series(name + "_bucket")
        guard !buckets.isEmpty else { return nil }
        var counts: [Double: Double] = [:]
        for b in buckets {
            guard let le = b.labels["le"], let bound = Double(prometheus: le) else { continue }
            counts[bound, default: 0] += b.value
        }
        let sorted = counts.keys.sorted().map { (upperBound: $0, count: counts[$0]!) }
        return CumulativeHistogram(buckets: sorted, sum: total(name + "_sum") ?? 0,
                                   count: total(name + "_count") ?? sorted.last?.count ?? 0)
    }
}

/// Parses the Prometheus text format (0.0.4), the one vLLM, SGLang, llama.cpp and pdscope serve print.
public enum PrometheusText {
    public static func parse(_ text: String) throws -> MetricsPage {
        var page = MetricsPage()
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.first == "#" { continue }
            let sample: MetricSample
            do { sample = try parseSample(Array(trimmed.utf8)) } catch let reason as LineError {
                throw PrometheusParseError(line: lineNumber, reason: reason.text + ": " + String(trimmed.prefix(60)))
            }
            if sample.name.hasSuffix("_created") { continue }
            page.add(sample)
        }
        if page.samples.isEmpty && text.contains(where: { !$0.isWhitespace }) {
            throw PrometheusParseError(line: 1, reason: "no samples (not a Prometheus text page)")
        }
        return page
    }

    private struct LineError: Error { var text: String }

    private static func isNameByte(_ c: UInt8, first: Bool) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 58 || (!first && c >= 48 && c <= 57)
    }

    private static func parseSample(_ b: [UInt8]) throws -> MetricSample {
        var i = 0
        while i < b.count, isNameByte(b[i], first: i == 0) { i += 1 }
        guard i > 0 else { throw LineError(text: "expected a metric name") }
        let name = String(decoding: b[0..<i], as: UTF8.self)
        var labels: [String: String] = [:]
        if i < b.count, b[i] == UInt8(ascii: "{") {
            i += 1
            while true {
                while i < b.count, b[i] == 32 || b[i] == 44 { i += 1 }   // spaces and commas
                guard i < b.count else { throw LineError(text: "unterminated label set") }
                if b[i] == UInt8(ascii: "}") { i += 1; break }
                let start = i
                while i < b.count, isNameByte(b[i], first: i == start) { i += 1 }
                guard i > start, i + 1 < b.count, b[i] == UInt8(ascii: "="), b[i + 1] == UInt8(ascii: "\"") else {
                    throw LineError(text: "bad label")
                }
                let key = String(decoding: b[start..<i], as: UTF8.self)
                i += 2
                var value: [UInt8] = []
                while true {
                    guard i < b.count else { throw LineError(text: "unterminated label value") }
                    let c = b[i]
                    if c == UInt8(ascii: "\"") { i += 1; break }
                    if c == UInt8(ascii: "\\"), i + 1 < b.count {
                        let next = b[i + 1]
                        value.append(next == UInt8(ascii: "n") ? 10 : next)
                        i += 2
                    } else { value.append(c); i += 1 }
                }
                labels[key] = String(decoding: value, as: UTF8.self)
            }
        }
        guard i < b.count, b[i] == 32 || b[i] == 9 else { throw LineError(text: "expected a space before the value") }
        while i < b.count, b[i] == 32 || b[i] == 9 { i += 1 }
        let start = i
        while i < b.count, b[i] != 32, b[i] != 9 { i += 1 }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        guard let value = Double(prometheus: text) else { throw LineError(text: "bad value '\(text)'") }
        return MetricSample(name: name, labels: labels, value: value)
    }
}

extension Double {
    /// Prometheus numbers: Go float syntax plus `+Inf`, `-Inf`, `NaN`.
    init?(prometheus text: String) {
        switch text {
        case "+Inf", "Inf": self = .infinity
        case "-Inf": self = -.infinity
        case "NaN": self = .nan
        default:
            guard let v = Double(text) else { return nil }
            self = v
        }
    }
}
