/// How to fit a public GPU-scale trace onto a small CPU model.
///
/// Order of operations for each row: select by time window (`start`, `duration`, in the
/// original trace's seconds from its first row) → stop after `limit` kept rows → scale lengths →
/// raise outputs to at least 1 token → clip to the context → shift and scale arrival times
/// (`(t - start) × timeScale`).
public struct ImportOptions: Equatable, Sendable {
    /// Prompt lengths are multiplied by this (Mooncake's 512-token prefix blocks too, so shared
    /// prefixes stay block-aligned).
    public var lengthScale: Double
    /// Output lengths are multiplied by this. Separate from `lengthScale` because public
    /// traces' outputs are already short; scaling them with the prompts would leave 1-token answers.
    public var outputScale: Double
    /// Arrival offsets are multiplied by this: 0.5 replays twice as fast, 2 half as fast.
    public var timeScale: Double
    /// Seconds into the original trace (from its first row) where the import begins.
    public var start: Double
    /// Seconds of the original trace to import (nil = to the end).
    public var duration: Double?
    /// At most this many requests (nil = no limit).
    public var limit: Int?
    /// The model's context: every request is clipped so that prompt + output ≤ this.
    public var contextLength: Int
    /// The user label of imported requests (nil = the format's name, e.g. "mooncake").
    public var user: String?

    public init(contextLength: Int, lengthScale: Double = 1, outputScale: Double = 1, timeScale: Double = 1,
                start: Double = 0, duration: Double? = nil, limit: Int? = nil, user: String? = nil) {
        self.contextLength = contextLength; self.lengthScale = lengthScale; self.outputScale = outputScale
        self.timeScale = timeScale; self.start = start; self.duration = duration; self.limit = limit; self.user = user
    }

    /// Why these options cannot be used, or nil.
    public var problem: String? {
        func positive(_ value: Double, _ name: String) -> String? {
            value.isFinite && value > 0 && value <= 1_000_000 ? nil : "\(name) must be a positive number, got \(value)"
        }
        if let p = positive(lengthScale, "the length scale") ?? positive(outputScale, "the output scale")
            ?? positive(timeScale, "the time scale") { return p }
        guard start.isFinite, start >= 0 else { return "the start must be a non-negative number of seconds, got \(start)" }
        if let duration, !(duration.isFinite && duration > 0) { return "the duration must be a positive number of seconds, got \(duration)" }
        if let limit, limit < 1 { return "the limit must be at least 1, got \(limit)" }
        guard contextLength >= 2 else { return "the context length must be at least 2 tokens, got \(contextLength)" }
        return nil
    }
}

/// Prompt/output length statistics of a set of requests.
public struct LengthStats: Equatable, Sendable {
    public var count = 0
    public var promptMean = 0.0
    public var promptMedian = 0
    public var promptMax = 0
    public var outputMean = 0.0
    public var outputMax = 0
    /// Seconds between the first and the last arrival.
    public var spanSeconds = 0.0

    public init() {}

    init(prompts: [Int], outputs: [Int], times: [Double]) {
        count = prompts.count
        guard count > 0 else { return }
        promptMean = Double(prompts.reduce(0, +)) / Double(count)
        promptMedian = prompts.sorted()[count / 2]
        promptMax = prompts.max()!
        outputMean = Double(outputs.reduce(0, +)) / Double(count)
        outputMax = outputs.max()!
        spanSeconds = times.max()! - times.min()!
    }
}

/// What an import did, for the CLI to print: what was read, kept, skipped (and why), scaled
/// and clipped, and how the lengths compare before and after.
public struct ImportSummary: Equatable, Sendable {
    public var format: String
    public var path: String
    public var rowsRead = 0
    public var kept = 0
    /// Reason → number of rows skipped for it, in the order reasons first occurred.
    public var skipped: [(reason: String, count: Int)] = []
    /// Requests whose prompt or output was shortened to fit the context.
    public var clippedCount = 0
    /// Requests whose scaled output was below 1 token and was raised to 1.
    public var raisedOutputCount = 0
    /// Requests whose prefix keys were cut because clipping shortened their prompt.
    public var truncatedPrefixCount = 0
    public var options: ImportOptions
    /// Tokens per prefix block after scaling (Mooncake only).
    public var segmentTokens: Int?
    /// Rows in the time window as they were in the file (before scaling), and the result.
    public var original = LengthStats()
    public var resulting = LengthStats()

    public var skippedCount: Int { skipped.reduce(0) { $0 + $1.count } }

    mutating func skip(_ reason: String) {
        if let i = skipped.firstIndex(where: { $0.reason == reason }) { skipped[i].count += 1 }
        else { skipped.append((reason, 1)) }
    }

    public static func == (a: ImportSummary, b: ImportSummary) -> Bool {
        a.format == b.format && a.path == b.path && a.rowsRead == b.rowsRead && a.kept == b.kept
            && a.skipped.map(\.reason) == b.skipped.map(\.reason) && a.skipped.map(\.count) == b.skipped.map(\.count)
            && a.clippedCount == b.clippedCount && a.raisedOutputCount == b.raisedOutputCount
            && a.truncatedPrefixCount == b.truncatedPrefixCount && a.options == b.options
            && a.segmentTokens == b.segmentTokens && a.original == b.original && a.resulting == b.resulting
    }

    /// A few human lines, e.g. for `pdscope import` to print.
    public var lines: [String] {
        func n(_ d: Double) -> String { d.rounded() == d ? String(Int(d)) : String(format: "%.1f", d) }
        var out = ["\(path): read \(rowsRead) \(format) rows, kept \(kept), skipped \(skippedCount)"]
        for (reason, count) in skipped { out.append("  skipped \(count): \(reason)") }
        var scale = "scaled prompts ×\(JSONWriter.format(options.lengthScale)), outputs ×\(JSONWriter.format(options.outputScale)), time ×\(JSONWriter.format(options.timeScale))"
        if let segmentTokens { scale += "; prefix blocks 512 → \(segmentTokens) tokens" }
        out.append(scale)
        out.append("clipped \(clippedCount) request\(clippedCount == 1 ? "" : "s") to the \(options.contextLength)-token context (prompt + output)"
                   + (raisedOutputCount > 0 ? "; raised \(raisedOutputCount) outputs to 1 token" : ""))
        out.append("prompt tokens mean/median/max: original \(n(original.promptMean))/\(original.promptMedian)/\(original.promptMax), now \(n(resulting.promptMean))/\(resulting.promptMedian)/\(resulting.promptMax)")
        out.append("output tokens mean/max: original \(n(original.outputMean))/\(original.outputMax), now \(n(resulting.outputMean))/\(resulting.outputMax)")
        out.append("arrivals span: original \(n(original.spanSeconds)) s, now \(n(resulting.spanSeconds)) s")
        return out
    }
}
