import Foundation
import Synchronization

/// Consumes the engine event stream and keeps what the run's metrics need: per-request timestamps,
/// per-instance busy time, KV transfers, block usage per location, prefix hits and the prefill
/// chunks each instance ran (for stall attribution).
///
/// Thread-safe: engine threads call `receive` concurrently; each call takes one short lock and does
/// O(1) work plus O(batch size) for a step. Reading (`report`, `stalls`, `request`) copies under the
/// same lock and computes outside it, so it never holds up an instance for long.
public final class MetricsCollector: EngineEventSink, Sendable {
    /// One prefill chunk as it ran on an instance, with its start and end time.
    struct ChunkRun: Sendable, Equatable {
        var chunk: PrefillChunk
        var start: Double
        var end: Double
    }

    /// A finished KV transfer (one copy).
    struct TransferRun: Sendable, Equatable {
        var request: RequestID
        var blocks: Int
        var bytes: Int
        var start: Double
        var end: Double
    }

    /// An instance step that has started but not ended yet.
    struct OpenStep {
        var start: Double
        var prefills: [PrefillChunk]
        var sawChunkEvents = false
    }

    /// What one instance did.
    struct InstanceActivity {
        var busySeconds = 0.0
        var steps = 0
        var openStep: OpenStep?
        var chunks: [ChunkRun] = []
        /// Steps whose thread was off its CPU for at least `offCPUFloor`, in the order they ended.
        var offCPUSteps: [OffCPUStep] = []
    }

    /// A step's end and the seconds of it the instance thread did not run.
    struct OffCPUStep: Sendable, Equatable {
        var end: Double
        var seconds: Double
    }

    /// Shorter off-CPU time is not kept (a timer tick, a page fault): stalls name milliseconds.
    static let offCPUFloor = 0.0005

    /// Key of a chunk whose start has been seen but not its end.
    struct ChunkKey: Hashable {
        var instance: InstanceID
        var request: RequestID
        var startPosition: Int
    }

    /// Everything guarded by the lock.
    struct State {
        /// Live per-request state (a snapshot shares it copy-on-write).
        var records: [RequestID: RequestMetrics] = [:]
        /// Filled only in snapshots: value copies of `records`.
        var requests: [RequestID: RequestMetrics] = [:]
        var firstArrival: Double?
        var lastEventTime: Double?
        var instances: [InstanceID: InstanceActivity] = [:]
        var openChunks: [ChunkKey: Double] = [:]
        var openTransfers: [Int: Double] = [:]
        var transfers: [TransferRun] = []
        var blocksInUse: [KVLocation: Int] = [:]
        var peakBlocks: [KVLocation: Int] = [:]
        var preemptions = 0
        var prefixHits = 0
        var prefixHitBlocks = 0
        var prefixHitTokens = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func receive(_ event: EngineEvent) {
        state.withLock { Self.apply(event, to: &$0) }
    }

    /// A copy of the collected state (for the report builders, which run outside the lock).
    func snapshot() -> State {
        state.withLock { state in
            var copy = state
            copy.requests = state.records
            copy.records = [:]
            return copy
        }
    }

    /// The metrics of one request so far, or nil if it never arrived.
    public func request(_ id: RequestID) -> RequestMetrics? {
        state.withLock { $0.records[id] }
    }

    /// Time of the newest event seen, nil before any.
    public var lastEventTime: Double? {
        state.withLock { $0.lastEventTime }
    }

    /// One request's metrics and what every instance did (prefill chunks, off-CPU steps), for one stall.
    func requestAndActivity(_ id: RequestID) -> (RequestMetrics, [InstanceID: InstanceActivity])? {
        state.withLock { state in
            guard let request = state.records[id] else { return nil }
            return (request, state.instances)
        }
    }

    /// Blocks currently held at `location`, and the most ever held at once.
    public func blockUsage(at location: KVLocation) -> (current: Int, peak: Int) {
        state.withLock { ($0.blocksInUse[location] ?? 0, $0.peakBlocks[location] ?? 0) }
    }

    /// Share of a pool of `capacity` blocks at `location` in use now (vLLM's kv_cache_usage).
    public func kvCacheUsage(at location: KVLocation, capacity: Int) -> Double {
        guard capacity > 0 else { return .nan }
        return Double(blockUsage(at: location).current) / Double(capacity)
    }

    // MARK: Event handling (called under the lock)

    private static func apply(_ event: EngineEvent, to state: inout State) {
        let time = event.time
        state.lastEventTime = max(state.lastEventTime ?? time, time)
        switch event.kind {
        case .arrived(let id, let spec, let promptTokens):
            state.records[id] = RequestMetrics(id: id, spec: spec, promptTokens: promptTokens, arrival: time)
            state.firstArrival = min(state.firstArrival ?? time, time)
        case .stepStarted(let instance, _, let decodes, let prefills):
            state.instances[instance, default: InstanceActivity()].openStep = OpenStep(start: time, prefills: prefills)
            // Prefills first so that a request both prefilling and decoding ends up "decoding".
            for chunk in prefills { state.records[chunk.request]?.noteStep(instance: instance, time: time, isDecode: false) }
            for id in decodes { state.records[id]?.noteStep(instance: instance, time: time, isDecode: true) }
        case .stepEnded(let instance, _, let duration, let offCPU):
            endStep(instance: instance, time: time, duration: duration, state: &state)
            if offCPU >= Self.offCPUFloor {
                state.instances[instance]?.offCPUSteps.append(OffCPUStep(end: time, seconds: offCPU))
            }
        case .prefillChunkStarted(let instance, let chunk):
            state.instances[instance, default: InstanceActivity()].openStep?.sawChunkEvents = true
            state.openChunks[ChunkKey(instance: instance, request: chunk.request, startPosition: chunk.startPosition)] = time
            state.records[chunk.request]?.apply(event)
        case .prefillChunkEnded(let instance, let chunk):
            let key = ChunkKey(instance: instance, request: chunk.request, startPosition: chunk.startPosition)
            let start = state.openChunks.removeValue(forKey: key)
                ?? state.instances[instance]?.openStep?.start ?? time
            state.instances[instance, default: InstanceActivity()].openStep?.sawChunkEvents = true
            state.instances[instance, default: InstanceActivity()].chunks.append(ChunkRun(chunk: chunk, start: start, end: time))
            state.records[chunk.request]?.apply(event)
        case .blocksAllocated(let location, _, let blocks):
            let used = (state.blocksInUse[location] ?? 0) + blocks.count
            state.blocksInUse[location] = used
            state.peakBlocks[location] = max(state.peakBlocks[location] ?? 0, used)
        case .blocksFreed(let location, _, let blocks):
            state.blocksInUse[location] = max((state.blocksInUse[location] ?? 0) - blocks.count, 0)
        case .kvTransferStarted(let transfer, let id, _, _, _, _, _):
            state.openTransfers[transfer] = time
            state.records[id]?.apply(event)
        case .kvTransferEnded(let transfer, let id, _, _, let blocks, let bytes, _):
            let start = state.openTransfers.removeValue(forKey: transfer) ?? time
            state.transfers.append(TransferRun(request: id, blocks: blocks, bytes: bytes, start: start, end: time))
            state.records[id]?.addTransfer(seconds: time - start)
            state.records[id]?.apply(event)
        case .prefixCacheHit(let id, let blocks, let tokens):
            state.prefixHits += 1
            state.prefixHitBlocks += blocks
            state.prefixHitTokens += tokens
            state.records[id]?.apply(event)
        case .preempted(let id, _, _):
            state.preemptions += 1
            state.records[id]?.apply(event)
        case .routed(let id, _, _, _), .queued(let id, _), .waitingForRemoteKV(let id, _),
             .tokenEmitted(let id, _, _, _), .finished(let id, _, _), .rejected(let id, _):
            state.records[id]?.apply(event)
        }
    }

    /// Adds the step's compute time to the instance's busy time. When the engine announced prefill
    /// chunks in `stepStarted` but sent no chunk events, the chunks are taken to span the whole step.
    private static func endStep(instance: InstanceID, time: Double, duration: Double, state: inout State) {
        var activity = state.instances[instance, default: InstanceActivity()]
        activity.busySeconds += max(duration, 0)
        activity.steps += 1
        if let open = activity.openStep, !open.sawChunkEvents {
            for chunk in open.prefills {
                activity.chunks.append(ChunkRun(chunk: chunk, start: open.start, end: time))
                state.records[chunk.request]?.noteChunk(start: open.start, end: time)
            }
        }
        activity.openStep = nil
        state.instances[instance] = activity
    }
}

extension RequestMetrics {
    /// Records a prefill chunk known only from its step (no chunk events).
    mutating func noteChunk(start: Double, end: Double) {
        firstChunkStart = min(firstChunkStart ?? start, start)
        lastChunkEnd = max(lastChunkEnd ?? end, end)
    }
}
