import Model

/// The engine's whole state and its transitions, shared by the threaded `Engine` and the
/// single-threaded `EngineSimulation`. Every method expects the caller to hold the engine lock;
/// nothing here blocks or computes (model work runs in `StepExecutor`, outside the lock).
final class EngineCore {
    let config: EngineConfig
    let clock: EngineClock
    let startTime: Double
    let instances: [Instance]
    let layout: KVLayout
    let contextLength: Int
    let store: KVStore?
    let storeArena: KVArena?
    var warnings: [String]

    var requests: [RequestID: Request] = [:]
    var nextRequestID = 0
    var nextTransferID = 0
    var endedCount = 0
    var preemptionCount = 0
    var transferCount = 0
    /// Requests asked to abort while inside a step being computed: they end when it completes.
    var pendingAborts = Set<RequestID>()
    /// Number of events emitted so far; any state change emits one, so it doubles as a version.
    private(set) var eventCount = 0
    private var sinks: [EngineEventSink] = []

    init(config: EngineConfig, clock: EngineClock, instances: [Instance], layout: KVLayout,
         storeBlocks: Int?, warnings: [String]) {
        self.config = config; self.clock = clock; self.instances = instances; self.layout = layout
        self.warnings = warnings
        contextLength = instances[0].runner.contextLength
        if let storeBlocks {
            store = KVStore(capacity: storeBlocks)
            storeArena = KVArena(layout: layout, blockCount: storeBlocks)
        } else {
            store = nil; storeArena = nil
        }
        startTime = clock.now()
    }

    var front: ModelRunner { instances[0].runner }
    var isIdle: Bool { endedCount == requests.count }
    var prefillInstances: [Instance] { instances.filter { $0.role == .prefill } }
    var decodeInstances: [Instance] { instances.filter { $0.role == .decode } }
    var isDisaggregated: Bool { config.policy == .disaggregated }

    func addSink(_ sink: EngineEventSink) { sinks.append(sink) }

    /// Seconds since the engine started, on its clock.
    func elapsed() -> Double { clock.now() - startTime }

    func emit(_ kind: EngineEvent.Kind, at time: Double? = nil) {
        eventCount += 1
        let event = EngineEvent(time: time.map { $0 - startTime } ?? elapsed(), kind: kind)
        for sink in sinks { sink.receive(event) }
    }

    // MARK: Arrival

    /// Turns a spec into a request: tokenize, check it can ever run, route it. Returns its id.
    func admit(_ spec: RequestSpec) -> RequestID {
        let id = nextRequestID
        nextRequestID += 1
        let prompt: [Int32]
        switch spec.prompt {
        case .text(let text): prompt = front.tokenize(text)
        case .synthetic(let count, let keys, let segment):
            prompt = SyntheticPrompt.tokens(count: count, prefixKeys: keys, segmentTokens: segment,
                                            salt: UInt64(id), vocabSize: front.vocabSize,
                                            bos: front.bosToken, eos: front.eosToken)
        }
        let request = Request(id: id, spec: spec, prompt: prompt, sampler: front.makeSampler(spec.sampling),
                              arrivalTime: clock.now())
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
        let decodePools = isDisaggregated ? decodeInstances : instances
        if let smallest = decodePools.map(\.pool.capacity).min(), decodeBlocks > smallest {
            let kind = isDisaggregated ? "decode pool" : "KV pool"
            return "needs \(decodeBlocks) KV blocks (prompt \(prompt) + up to \(maxTokens) new tokens) but a \(kind) holds \(smallest)"
        }
        if isDisaggregated, let smallest = prefillInstances.map(\.pool.capacity).min(), promptBlocks > smallest {
            return "prompt needs \(promptBlocks) KV blocks but a prefill pool holds \(smallest)"
        }
        if let store, promptBlocks > store.capacity {
            return "prompt needs \(promptBlocks) KV blocks but the KV store holds \(store.capacity)"
        }
        return nil
    }

    // MARK: Shared transitions

    func enqueueWaiting(_ request: Request, on instance: Instance, front atFront: Bool = false) {
        request.readyTime = clock.now()
        if atFront { instance.waiting.insert(request, at: 0) } else { instance.waiting.append(request) }
        emit(.queued(request: request.id, instance: instance.id))
    }

    /// Allocates blocks so `request` can hold `tokens` tokens of KV in `instance`'s pool.
    func grow(_ request: Request, to tokens: Int, in instance: Instance) -> Bool {
        let need = layout.blocksNeeded(tokens: tokens) - request.blockTable.count
        guard need > 0 else { return true }
        guard let blocks = instance.pool.allocate(need, for: request.id) else { return false }
        request.blockTable += blocks
        emit(.blocksAllocated(location: instance.location, request: request.id, blocks: blocks))
        return true
    }

    func freeBlocks(of request: Request) {
        freeHomeBlocks(of: request)
        if let reservation = request.reservation, let decode = request.decodeInstance {
            instances[decode].pool.free(reservation, from: request.id)
            emit(.blocksFreed(location: instances[decode].location, request: request.id, blocks: reservation))
        }
        request.reservation = nil
    }

    /// Frees the blocks where the request computes now (a decode reservation is kept).
    func freeHomeBlocks(of request: Request) {
        if let home = request.home, !request.blockTable.isEmpty {
            instances[home].pool.free(request.blockTable, from: request.id)
            emit(.blocksFreed(location: instances[home].location, request: request.id, blocks: request.blockTable))
        }
        request.blockTable = []
        request.home = nil
    }

    /// Removes a request from every queue of every instance.
    func detach(_ request: Request) {
        for instance in instances {
            instance.waiting.removeAll { $0 === request }
            instance.running.removeAll { $0 === request }
            instance.intake.removeAll { $0 === request }
            instance.inbound.removeAll { $0 === request }
            instance.handoff.removeAll { $0 === request }
            instance.pushes.removeAll { $0 === request }
        }
    }

    func finish(_ request: Request, reason: FinishReason) {
        guard !request.state.isTerminal else { return }
        // A copy that ran before the end still gets its end event (an abort can come first).
        for end in request.pendingTransferEnds {
            emit(.kvTransferEnded(transfer: end.transfer, request: request.id, from: end.from, to: end.to,
                                  blocks: end.blocks, bytes: end.bytes, mode: end.mode), at: min(end.time, clock.now()))
        }
        request.pendingTransferEnds = []
        detach(request)
        freeBlocks(of: request)
        request.state = .finished(reason)
        endedCount += 1
        emit(.finished(request: request.id, reason: reason, outputTokens: request.outputCount))
    }

    /// Preemption by recompute: give every block back and start over from the first token later.
    func preempt(_ request: Request, on instance: Instance, reason: String) {
        instance.running.removeAll { $0 === request }
        freeHomeBlocks(of: request)
        request.computed = 0
        request.chunkIndex = 0
        request.state = .preempted
        preemptionCount += 1
        emit(.preempted(request: request.id, instance: instance.id, reason: reason))
        request.home = nil
        enqueueWaiting(request, on: instance, front: true)
    }

    /// Appends a sampled token, emits it with its text, and finishes the request when it is done.
    /// Returns true when the request finished.
    func accept(_ token: Int32, for request: Request, on instance: Instance) -> Bool {
        let previous = request.tokens.last
        request.tokens.append(token)
        let text = request.text.append(instance.runner.piece(token, after: previous))
        emit(.tokenEmitted(request: request.id, index: request.outputCount - 1, token: token, text: text))
        if instance.runner.isEndOfGeneration(token) && !request.spec.ignoreEOS { finish(request, reason: .stop); return true }
        if !request.spec.stop.isEmpty && containsStop(adding: text, to: request) { finish(request, reason: .stop); return true }
        if request.outputCount >= request.spec.maxTokens || request.tokens.count >= contextLength {
            finish(request, reason: .length)
            return true
        }
        return false
    }

    /// Appends `text` to the request's output and says whether a stop string now appears in it.
    /// Only the tail that the new text can complete is searched, so long outputs stay cheap.
    private func containsStop(adding text: String, to request: Request) -> Bool {
        guard !text.isEmpty else { return false }
        let longest = request.spec.stop.map(\.count).max() ?? 0
        request.outputText += text
        let tail = request.outputText.suffix(text.count + longest - 1)
        return request.spec.stop.contains { !$0.isEmpty && tail.contains($0) }
    }

    /// Ends every request still in the engine (shutdown) so none is left without an end.
    /// Empties every queue in one go first: `finish` detaches one request by scanning each queue,
    /// which made aborting tens of thousands of queued requests quadratic (minutes at exit).
    func abortAll() {
        let open = requests.values.filter { !$0.state.isTerminal }.sorted { $0.id < $1.id }
        for instance in instances {
            instance.waiting.removeAll(); instance.running.removeAll(); instance.intake.removeAll()
            instance.inbound.removeAll(); instance.handoff.removeAll(); instance.pushes.removeAll()
        }
        for request in open { finish(request, reason: .aborted) }
    }
}
