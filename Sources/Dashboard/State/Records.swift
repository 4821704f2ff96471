import Engine

/// One finished KV copy, for the "recent transfers" list.
public struct TransferRecord: Equatable, Sendable {
    public var id: Int
    public var request: RequestID
    public var from: KVLocation
    public var to: KVLocation
    public var blocks: Int
    public var bytes: Int
    public var mode: KVTransferMode
    public var start: Double
    public var end: Double

    public var duration: Double { max(0, end - start) }
    /// Measured throughput in GB/s (10⁹ bytes), nil when the copy took no measurable time.
    public var gigabytesPerSecond: Double? { duration > 0 ? Double(bytes) / duration / 1e9 : nil }
}

/// A token that came late, and the prefill work that ran on its instance meanwhile.
public struct StallRecord: Equatable, Sendable {
    /// Prompt tokens of one request prefilled during the gap.
    public struct Cause: Equatable, Sendable {
        public var request: RequestID
        public var tokens: Int
    }

    public var request: RequestID
    /// The late token's index (the gap ends at it).
    var tokenIndex: Int
    public var user: String
    public var instance: InstanceID?
    public var time: Double
    public var gap: Double
    public var medianGap: Double
    /// Largest overlap with the gap first; the request's own recompute counts too.
    public var causes: [Cause]
    /// Seconds of the gap the instance's thread was off its CPU (see `Stall.offCPU`).
    public var offCPU: Double
    /// The reducer's line for it, the same the headless reports print.
    public var summary: String

    init(stall: Stall, user: String, medianGap: Double) {
        request = stall.request; tokenIndex = stall.tokenIndex; self.user = user; instance = stall.instance
        time = stall.end; gap = stall.gap
        self.medianGap = medianGap
        causes = stall.causes.map { Cause(request: $0.request, tokens: $0.tokens) }
        offCPU = stall.offCPU
        summary = stall.description
    }
}

/// Number formatting shared by state summaries and views.
public enum Format {
    /// 2010 → "2,010" (the engine's spelling, so limits, summaries and the screen agree).
    public static func grouped(_ n: Int) -> String { EngineLimits.grouped(n) }

    /// Grouped below `fullBelow`, else compact so a narrow column never cuts it: 123,456 → "123k",
    /// 12,345,678 → "12.3M".
    public static func compact(_ n: Int, fullBelow: Int) -> String {
        guard abs(n) >= fullBelow else { return grouped(n) }
        let v = Double(n)
        if abs(v) < 1e6 { return "\(Int((v / 1e3).rounded()))k" }
        if abs(v) < 1e9 { return (abs(v) < 1e8 ? fixed(v / 1e6, 1) : "\(Int((v / 1e6).rounded()))") + "M" }
        return fixed(v / 1e9, 1) + "G"
    }

    /// Seconds as a short human duration: "850 ms", "1.8 s", "2m05s".
    public static func seconds(_ s: Double) -> String {
        guard s.isFinite else { return "-" }
        if s < 1 { return "\(Int((s * 1000).rounded())) ms" }
        if s < 60 { return fixed(s, 1) + " s" }
        let total = Int(s.rounded())
        return "\(total / 60)m" + (total % 60 < 10 ? "0" : "") + "\(total % 60)s"
    }

    /// Milliseconds with one decimal below 100 ms: "4.2", "153"; "-" for nil.
    public static func millis(_ s: Double?) -> String {
        guard let s, s.isFinite else { return "-" }
        let ms = s * 1000
        return ms < 100 ? fixed(ms, 1) : "\(Int(ms.rounded()))"
    }

    /// Fixed-point without Foundation's locale-dependent formatting.
    public static func fixed(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((abs(v) * scale).rounded())
        let whole = scaled / Int(scale), frac = scaled % Int(scale)
        var fracText = String(frac)
        while fracText.count < decimals { fracText = "0" + fracText }
        return (v < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + fracText : "")
    }

    /// 1536 → "1.5 KiB", 3_000_000 → "2.9 MiB".
    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var v = Double(n), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : fixed(v, 1) + " " + units[u]
    }

    /// Uptime as "1:02:03" or "2:03".
    public static func clock(_ s: Double) -> String {
        let t = max(0, Int(s))
        let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return t >= 3600 ? "\(t / 3600):\(two(t / 60 % 60)):\(two(t % 60))" : "\(t / 60):\(two(t % 60))"
    }
}
