import Engine

/// A public trace turned into a pdscope workload, with the account of what was changed.
public struct ImportResult: Equatable, Sendable {
    public var workload: Workload
    public var summary: ImportSummary
}

/// The format-independent part of importing: applies `ImportOptions` to rows one at a time
/// (window, limit, scaling, clipping) and keeps the statistics for the summary.
struct ImportShaper {
    private(set) var summary: ImportSummary
    private var firstTime: Double?
    private var requests: [RequestSpec] = []
    private var original: (prompts: [Int], outputs: [Int], times: [Double]) = ([], [], [])
    private var result: (prompts: [Int], outputs: [Int], times: [Double]) = ([], [], [])
    private let user: String

    init(format: String, path: String, options: ImportOptions, segmentTokens: Int? = nil) {
        summary = ImportSummary(format: format, path: path, options: options, segmentTokens: segmentTokens)
        user = options.user ?? format
    }

    /// True once `limit` requests are kept: the caller stops reading.
    var isFull: Bool { summary.options.limit.map { summary.kept >= $0 } ?? false }

    /// Offers one row. `time` is in the trace's own seconds; `hashIDs` are Mooncake's blocks.
    mutating func add(time: Double, input: Int, output: Int, hashIDs: [Int]? = nil) {
        let o = summary.options
        summary.rowsRead += 1
        let first = firstTime ?? time
        firstTime = first
        let t = time - first
        if t < o.start || (o.duration.map { t >= o.start + $0 } ?? false) {
            summary.skip("outside the time window"); return
        }
        original.prompts.append(input); original.outputs.append(output); original.times.append(t)
        if input == 0 { summary.skip("empty prompt (input length 0)"); return }

        var prompt = max(1, Int((Double(input) * o.lengthScale).rounded()))
        var tokens = Int((Double(output) * o.outputScale).rounded())
        if tokens < 1 { tokens = 1; summary.raisedOutputCount += 1 }
        // The prompt is shortened first: it is usually the long part, and outputs must keep at
        // least one token for the request to mean anything.
        if prompt + tokens > o.contextLength {
            tokens = min(tokens, o.contextLength - 1)
            prompt = min(prompt, o.contextLength - tokens)
            summary.clippedCount += 1
        }
        let arrival = ((t - o.start) * o.timeScale * 1_000_000).rounded() / 1_000_000
        let promptSpec: RequestSpec.Prompt
        if let segment = summary.segmentTokens {
            var keys = hashIDs ?? []
            let blocksNeeded = (prompt + segment - 1) / segment
            if keys.count > blocksNeeded { keys.removeLast(keys.count - blocksNeeded); summary.truncatedPrefixCount += 1 }
            promptSpec = .synthetic(count: prompt, prefixKeys: keys, segmentTokens: segment)
        } else {
            promptSpec = .synthetic(count: prompt, prefixKeys: [], segmentTokens: RequestSpecCoding.defaultSegmentTokens)
        }
        requests.append(RequestSpec(arrivalOffset: arrival, user: user, prompt: promptSpec, maxTokens: tokens))
        result.prompts.append(prompt); result.outputs.append(tokens); result.times.append(arrival)
        summary.kept += 1
    }

    /// The workload (sorted by arrival) and summary; an error when no request survived.
    func finish(generatorSettings: [String: String]) throws -> ImportResult {
        var summary = self.summary
        summary.original = LengthStats(prompts: original.prompts, outputs: original.outputs, times: original.times)
        summary.resulting = LengthStats(prompts: result.prompts, outputs: result.outputs, times: result.times)
        guard !requests.isEmpty else {
            let why = summary.skipped.map { "\($0.count) \($0.reason)" }.joined(separator: ", ")
            throw FileFormatError(path: summary.path, line: nil,
                                  message: "no requests left to import (\(summary.rowsRead) rows read\(why.isEmpty ? "" : ": " + why))")
        }
        var generator = generatorSettings
        let o = summary.options
        generator["imported_from"] = summary.format
        generator["length_scale"] = JSONWriter.format(o.lengthScale)
        generator["output_scale"] = JSONWriter.format(o.outputScale)
        generator["time_scale"] = JSONWriter.format(o.timeScale)
        generator["context_length"] = String(o.contextLength)
        if o.start > 0 { generator["start_s"] = JSONWriter.format(o.start) }
        if let d = o.duration { generator["duration_s"] = JSONWriter.format(d) }
        if let l = o.limit { generator["limit"] = String(l) }
        let name = summary.path.split(separator: "/").last.map(String.init) ?? summary.path
        let header = WorkloadHeader(description: "\(summary.kept) requests imported from \(name) (\(summary.format))", generator: generator)
        return ImportResult(workload: Workload(header: header, requests: Workload.sortedByArrival(requests)), summary: summary)
    }
}
