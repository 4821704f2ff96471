import Engine

/// Everything the dashboard knows about one request, reduced from its events.
public struct RequestRecord: Equatable, Sendable {
    /// Gaps and text kept per request: enough for a sparkline, a p99 and a screenful of text.
    static let maxGaps = 4096
    static let maxTextCharacters = 4000

    public let id: RequestID
    public let user: String
    /// Known at arrival for the in-process engine; attach learns it from the upstream's usage (a note).
    public internal(set) var promptTokens: Int
    public let maxTokens: Int
    public let arrival: Double
    public internal(set) var stage: RequestStage = .waiting
    /// When it entered `stage`: queue ages are measured from here.
    public internal(set) var stageSince: Double
    /// The instance that last ran a step for it (the one a stall is charged to).
    public internal(set) var instance: InstanceID?
    public internal(set) var prefilledTokens = 0
    public internal(set) var cachedTokens = 0
    public internal(set) var generatedTokens = 0
    public internal(set) var firstTokenTime: Double?
    public internal(set) var lastTokenTime: Double?
    /// Inter-token gaps in seconds, oldest first (capped at `maxGaps`, oldest dropped).
    public internal(set) var gaps: [Double] = []
    /// The tail of the generated text.
    public internal(set) var text = ""
    public internal(set) var preemptions = 0
    public internal(set) var finishTime: Double?
    public internal(set) var finishReason: FinishReason?
    public internal(set) var rejectReason: String?
    /// P-first through attach's proxy: when the prefill hop answered, and when the decode hop was sent.
    public internal(set) var prefillEnd: Double?
    public internal(set) var decodeStart: Double?

    init(id: RequestID, spec: RequestSpec, promptTokens: Int, arrival: Double) {
        self.id = id; user = spec.user; self.promptTokens = promptTokens
        maxTokens = spec.maxTokens; self.arrival = arrival; stageSince = arrival
    }

    public var ttft: Double? { firstTokenTime.map { $0 - arrival } }
    /// TTFT in three parts when the request went P-first through attach: prefill (arrival → the
    /// prefill hop answered), handoff (→ the decode hop sent) and first decode token (→ first
    /// token; the decode server pulls the KV in this part).
    public var ttftSplit: (prefill: Double, handoff: Double, firstDecode: Double)? {
        guard let end = prefillEnd, let start = decodeStart, let first = firstTokenTime else { return nil }
        return (end - arrival, start - end, first - start)
    }
    public var lastITL: Double? { gaps.last }
    /// Mean time per output token after the first, so far (final once finished).
    public var tpot: Double? {
        guard generatedTokens > 1, let first = firstTokenTime, let last = lastTokenTime else { return nil }
        return (last - first) / Double(generatedTokens - 1)
    }
    /// Same HDR percentiles as the run summary's (`MetricsDistribution`), over the kept gaps.
    public var p99ITL: Double? { MetricsDistribution(gaps).p99 }
    public var medianITL: Double? { MetricsDistribution(gaps).median }
    public var e2el: Double? { finishTime.map { $0 - arrival } }

    /// Tokens this request holds or still needs in its stage: the prompt left to prefill while
    /// waiting or prefilling, the whole context afterwards.
    public var stageTokens: Int {
        switch stage {
        case .waiting, .preempted: return promptTokens
        case .prefilling: return max(0, promptTokens - prefilledTokens)
        default: return promptTokens + generatedTokens
        }
    }

    mutating func enter(_ next: RequestStage, at time: Double) {
        guard next != stage, !stage.isOver else { return }
        stage = next; stageSince = time
    }

    mutating func recordToken(at time: Double, text piece: String) -> Double? {
        defer { lastTokenTime = time; generatedTokens += 1 }
        text += piece
        // utf8.count is O(1) for native strings; `count` would walk every grapheme on every token.
        if text.utf8.count > 4 * Self.maxTextCharacters { text = String(text.suffix(Self.maxTextCharacters)) }
        guard let last = lastTokenTime else { firstTokenTime = time; return nil }
        let gap = max(0, time - last)
        gaps.append(gap)
        if gaps.count > Self.maxGaps { gaps.removeFirst(gaps.count - Self.maxGaps / 2) }
        return gap
    }
}
