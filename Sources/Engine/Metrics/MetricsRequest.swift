/// What the metrics know about one request: the timestamps gathered from its events and the
/// per-request metrics derived from them with vLLM's definitions. Times are engine seconds.
public struct RequestMetrics: Sendable, Equatable {
    /// Where the request is in its life, as far as the event stream tells (vLLM's statuses).
    public enum State: String, Sendable, Equatable {
        case waiting, prefilling
        case waitingForRemoteKV = "waiting_for_remote_kv"
        case transferring, decoding, preempted, finished, rejected
    }

    public let id: RequestID
    public internal(set) var user: String
    public internal(set) var promptTokens: Int
    public internal(set) var maxTokens: Int
    public internal(set) var arrival: Double
    public internal(set) var state: State = .waiting
    /// First step (or prefill chunk) that touched the request.
    public internal(set) var firstScheduled: Double?
    public internal(set) var firstChunkStart: Double?
    public internal(set) var lastChunkEnd: Double?
    /// Time of each emitted token; index 0 is the first token.
    public internal(set) var tokenTimes: [Double] = []
    public internal(set) var outputText = ""
    public internal(set) var finishTime: Double?
    public internal(set) var finishReason: FinishReason?
    public internal(set) var rejectReason: String?
    public internal(set) var preemptions = 0
    public internal(set) var kvTransferCount = 0
    /// Sum of the durations of this request's finished KV transfers (nil if it had none).
    public internal(set) var kvTransferTime: Double?
    public internal(set) var prefixHitTokens = 0
    /// Instance of the step that produced each token (parallel to `tokenTimes`; -1 = unknown).
    var tokenInstances: [InstanceID] = []
    /// Output count reported by `finished` (authoritative over the count of token events).
    var reportedOutputTokens: Int?
    /// Instance of the latest step that included this request.
    var currentInstance: InstanceID?

    init(id: RequestID, spec: RequestSpec, promptTokens: Int, arrival: Double) {
        self.id = id; self.user = spec.user; self.promptTokens = promptTokens
        self.maxTokens = spec.maxTokens; self.arrival = arrival
    }

    public var outputTokens: Int { reportedOutputTokens ?? tokenTimes.count }
    /// Finished normally (stop or length): the requests vLLM counts as successful.
    public var isCompleted: Bool { finishReason == .stop || finishReason == .length }

    /// Time to first token: arrival → token 0.
    public var ttft: Double? { tokenTimes.first.map { $0 - arrival } }
    /// End-to-end latency: arrival → finished.
    public var e2el: Double? { finishTime.map { $0 - arrival } }
    /// Time per output token excluding the first: (e2el − ttft) / (output tokens − 1).
    /// Undefined (nil) for a request with fewer than two output tokens.
    public var tpot: Double? {
        guard outputTokens > 1, let e2el, let ttft else { return nil }
        return (e2el - ttft) / Double(outputTokens - 1)
    }
    /// Every gap between consecutive tokens.
    public var itls: [Double] {
        guard tokenTimes.count > 1 else { return [] }
        return (1..<tokenTimes.count).map { tokenTimes[$0] - tokenTimes[$0 - 1] }
    }
    /// Arrival → first step or prefill chunk that touched it.
    public var queueTime: Double? { firstScheduled.map { $0 - arrival } }
    /// First prefill chunk start → last prefill chunk end (recomputes after preemption included).
    public var prefillTime: Double? {
        guard let start = firstChunkStart, let end = lastChunkEnd else { return nil }
        return end - start
    }
}

extension RequestMetrics {
    /// Applies one event that concerns this request (the collector routes it here).
    mutating func apply(_ event: EngineEvent) {
        let time = event.time
        switch event.kind {
        case .routed, .queued:
            if state == .preempted { state = .waiting }
        case .stepStarted(let instance, _, _, _):
            // The collector calls `noteStep` instead, which knows the role without a scan.
            noteStep(instance: instance, time: time, isDecode: true)
        case .prefillChunkStarted(let instance, _):
            markScheduled(time)
            currentInstance = instance
            if firstChunkStart == nil { firstChunkStart = time }
            setActive(.prefilling)
        case .prefillChunkEnded:
            lastChunkEnd = Swift.max(lastChunkEnd ?? time, time)
        case .waitingForRemoteKV:
            setActive(.waitingForRemoteKV)
        case .kvTransferStarted:
            setActive(.transferring)
        case .prefixCacheHit(_, _, let tokens):
            prefixHitTokens += tokens
        case .tokenEmitted(_, let index, _, let text):
            // A re-emitted index (e.g. after a recompute) is not a new token.
            guard index >= tokenTimes.count else { return }
            tokenTimes.append(time)
            tokenInstances.append(currentInstance ?? -1)
            outputText += text
            setActive(.decoding)
        case .preempted:
            preemptions += 1
            setActive(.preempted)
        case .finished(_, let reason, let outputTokens):
            finishTime = time; finishReason = reason; reportedOutputTokens = outputTokens
            state = .finished
        case .rejected(_, let reason):
            rejectReason = reason
            finishTime = nil
            state = .rejected
        case .kvTransferEnded(_, _, _, let to, _, _, _):
            // Its KV now lives on that instance, which delivers its next token.
            if case .instance(let id) = to { currentInstance = id }
        case .arrived, .stepEnded, .blocksAllocated, .blocksFreed:
            break
        }
    }

    /// The request is in a step of `instance` starting at `time`, as a decode or as a prefill chunk.
    mutating func noteStep(instance: InstanceID, time: Double, isDecode: Bool) {
        markScheduled(time)
        currentInstance = instance
        setActive(isDecode ? .decoding : .prefilling)
    }

    /// Adds one finished transfer's duration to this request's KV transfer time.
    mutating func addTransfer(seconds: Double) {
        kvTransferCount += 1
        kvTransferTime = (kvTransferTime ?? 0) + seconds
    }

    private mutating func markScheduled(_ time: Double) {
        if firstScheduled == nil { firstScheduled = time }
    }

    /// Terminal states stick: a late event on another thread must not revive a finished request.
    private mutating func setActive(_ newState: State) {
        if state != .finished && state != .rejected { state = newState }
    }
}
