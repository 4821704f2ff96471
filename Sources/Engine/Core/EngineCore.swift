import Model

/// The engine's whole state and its transitions, shared by the threaded `Engine` and the
/// single-threaded `EngineSimulation`. The threaded engine reaches it only through its
/// `ConditionLocked` box; nothing here blocks or computes (model work runs in `StepExecutor`,
/// outside the lock). Its parts: the instances (waiting and running queues, pools), the pure
/// `Router`, the `KVConnector` (everything in flight between instances) and the event stream.
final class EngineCore {
    let config: EngineConfig
    let clock: EngineClock
    let events: EventStream
    let instances: [Instance]
    let layout: KVLayout
    let frontEnd: ModelFrontEnd
    let router: Router
    let connector: KVConnector
    var warnings: [String]

    var requests: [RequestID: Request] = [:]
    var nextRequestID = 0
    var endedCount = 0
    var preemptionCount = 0
    /// Requests asked to abort while inside a step being computed: they end when it completes.
    var pendingAborts = Set<RequestID>()
    /// The threaded engine's worker threads (unused by the simulation).
    var threads = WorkerThreads()

    init(config: EngineConfig, clock: EngineClock, instances: [Instance], layout: KVLayout,
         storeBlocks: Int?, warnings: [String]) {
        self.config = config; self.clock = clock; self.instances = instances; self.layout = layout
        self.warnings = warnings
        frontEnd = instances[0].runner.frontEnd
        router = Router(config: config)
        events = EventStream(clock: clock)
        connector = KVConnector(instances: instances, layout: layout, storeBlocks: storeBlocks, events: events, config: config)
    }

    var startTime: Double { events.startTime }
    var contextLength: Int { frontEnd.contextLength }
    var store: KVStore? { connector.store }
    var isIdle: Bool { endedCount == requests.count }
    var isDisaggregated: Bool { config.policy == .disaggregated }
    /// Number of events emitted so far; any state change emits one, so it doubles as a version.
    var eventCount: Int { events.count }

    func addSink(_ sink: EngineEventSink) { events.add(sink) }
    func elapsed() -> Double { events.elapsed() }
    func emit(_ kind: EngineEvent.Kind, at time: Double? = nil) { events.emit(kind, at: time) }

    // MARK: Arrival

    /// Turns a prepared request into a request: prompt, check it can ever run, route it.
    func arrive(_ prepared: PreparedRequest) -> RequestID {
        let id = nextRequestID
        nextRequestID += 1
        let spec = prepared.spec
        let prompt: [Int32]
        switch spec.prompt {
        case .text: prompt = prepared.tokens ?? []
        case .synthetic(let count, let keys, let segment):
            // Cheap and keyed by the request id, which only exists here.
            prompt = SyntheticPrompt.tokens(count: count, prefixKeys: keys, segmentTokens: segment,
                                            salt: UInt64(id), vocabSize: frontEnd.vocabSize,
                                            bos: frontEnd.bosToken, eos: frontEnd.eosToken)
        }
        let request = Request(id: id, spec: spec, prompt: prompt, sampler: prepared.sampler, arrivalTime: clock.now())
        requests[id] = request
        emit(.arrived(request: id, spec: spec, promptTokens: prompt.count))
        if let reason = rejectionReason(request) {
            request.state = .rejected(reason)
            endedCount += 1
            emit(.rejected(request: id, reason: reason))
        } else {
            route(request)
        }
        return id
    }

    /// Why a request can never run here, or nil. Checked at once so nothing waits forever.
    func rejectionReason(_ request: Request) -> String? {
        let prompt = request.promptCount
        let maxTokens = request.spec.maxTokens
        if prompt == 0 { return "empty prompt" }
        if maxTokens < 1 { return "max tokens must be at least 1 (got \(maxTokens))" }
        if prompt > contextLength {
            return "prompt of \(prompt) tokens exceeds the context length of \(contextLength)"
        }
        // Longest KV the sequence can need: generation stops at the context length.
        let longest = min(prompt + maxTokens, max(contextLength, prompt + 1))
        let kvTokens = max(prompt, longest - 1)
        let decodeBlocks = layout.blocksNeeded(tokens: kvTokens)
        let promptBlocks = layout.blocksNeeded(tokens: prompt)
        let decodePools = isDisaggregated ? instances.filter { $0.role == .decode } : instances
        if let smallest = decodePools.map(\.pool.capacity).min(), decodeBlocks > smallest {
            let kind = isDisaggregated ? "decode pool" : "KV pool"
            return "needs \(decodeBlocks) KV blocks (prompt \(prompt) + up to \(maxTokens) new tokens) but a \(kind) holds \(smallest)"
        }
        if isDisaggregated, let smallest = instances.filter({ $0.role == .prefill }).map(\.pool.capacity).min(),
           promptBlocks > smallest {
            return "prompt needs \(promptBlocks) KV blocks but a prefill pool holds \(smallest)"
        }
        if let store, promptBlocks > store.capacity {
            return "prompt needs \(promptBlocks) KV blocks but the KV store holds \(store.capacity)"
        }
        return nil
    }
}

/// A request made ready on the submitting thread, before the engine lock is taken: text prompts
/// tokenized and the sampler built by the model's front end (never by a compute runner).
struct PreparedRequest {
    var spec: RequestSpec
    /// Tokens of a text prompt (nil for synthetic prompts, made under the lock from the id).
    var tokens: [Int32]?
    var sampler: TokenSampler

    init(_ spec: RequestSpec, frontEnd: ModelFrontEnd) {
        self.spec = spec
        if case .text(let text) = spec.prompt { tokens = frontEnd.tokenize(text) }
        sampler = frontEnd.makeSampler(spec.sampling)
    }
}

/// Lifecycle of the threaded engine's workers, guarded with the core.
struct WorkerThreads {
    var isStarted = false
    var isStopping = false
    var live = 0
    /// Threads that have pinned themselves (and entered the real-time class if asked).
    var placed = 0
}
