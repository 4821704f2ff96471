import Model

public typealias RequestID = Int
public typealias InstanceID = Int

/// Why a request ended (vLLM's finish reasons).
public enum FinishReason: String, Sendable, Codable, Equatable {
    case stop, length, aborted
}

/// What an instance is for. `both` = colocated prefill and decode.
public enum InstanceRole: String, Sendable, Codable, Equatable, CaseIterable {
    case prefill, decode, both
}

/// How KV moves from a prefill instance to a decode instance.
public enum KVTransferMode: String, Sendable, Codable, Equatable, CaseIterable {
    /// prefill pool → decode pool, one copy.
    case p2p
    /// prefill pool → shared KV store → decode pool, two copies; the store serves prefix hits.
    case pool
}

/// Where a block lives: an instance's pool or the shared KV store (pool mode).
public enum KVLocation: Sendable, Codable, Equatable, Hashable {
    case instance(InstanceID)
    case store
}

/// One prefill chunk inside a step: `tokens` prompt tokens of `request` starting at `startPosition`,
/// chunk `chunkIndex` (1-based) of `chunkCount`.
public struct PrefillChunk: Sendable, Codable, Equatable {
    public var request: RequestID
    public var startPosition: Int
    public var tokens: Int
    public var chunkIndex: Int
    public var chunkCount: Int
    public init(request: RequestID, startPosition: Int, tokens: Int, chunkIndex: Int, chunkCount: Int) {
        self.request = request; self.startPosition = startPosition; self.tokens = tokens
        self.chunkIndex = chunkIndex; self.chunkCount = chunkCount
    }
}

/// Every state transition of the engine, stamped with a monotonic time in seconds since the engine
/// started. The dashboard, the trace writer and the metrics all consume this one stream, so what
/// they show cannot disagree.
public struct EngineEvent: Sendable, Codable, Equatable {
    public var time: Double
    public var kind: Kind

    public init(time: Double, kind: Kind) { self.time = time; self.kind = kind }

    public enum Kind: Sendable, Codable, Equatable {
        /// A request entered the engine (its full definition, so a trace can replay it).
        case arrived(request: RequestID, spec: RequestSpec, promptTokens: Int)
        /// The router sent it to `instance` (role says which hop), with the reason for the choice.
        case routed(request: RequestID, instance: InstanceID, role: InstanceRole, reason: String)
        /// Waiting in `instance`'s queue.
        case queued(request: RequestID, instance: InstanceID)
        /// An instance step began: the decodes it runs (one token each) and the prefill chunks it runs.
        case stepStarted(instance: InstanceID, step: Int, decodes: [RequestID], prefills: [PrefillChunk])
        /// The step ended; `duration` is its measured wall time in seconds, `offCPU` the part of it
        /// the instance thread was not running (host steal, another task on its core; 0 when not
        /// measured, see `EngineClock.threadCPUTime`).
        case stepEnded(instance: InstanceID, step: Int, duration: Double, offCPU: Double = 0)
        /// A prefill chunk of `request` started / ended on `instance` (inside a step).
        case prefillChunkStarted(instance: InstanceID, chunk: PrefillChunk)
        case prefillChunkEnded(instance: InstanceID, chunk: PrefillChunk)
        /// The waiting-for-remote-KV state (d-first / simultaneous routes).
        case waitingForRemoteKV(request: RequestID, instance: InstanceID)
        /// Blocks of `request` were allocated in / returned to a location.
        case blocksAllocated(location: KVLocation, request: RequestID, blocks: [Int32])
        case blocksFreed(location: KVLocation, request: RequestID, blocks: [Int32])
        /// A KV transfer (one copy: pool→pool, pool→store or store→pool) began / finished.
        case kvTransferStarted(transfer: Int, request: RequestID, from: KVLocation, to: KVLocation, blocks: Int, bytes: Int, mode: KVTransferMode)
        case kvTransferEnded(transfer: Int, request: RequestID, from: KVLocation, to: KVLocation, blocks: Int, bytes: Int, mode: KVTransferMode)
        /// The shared store already held `blocks` blocks of this request's prompt prefix.
        case prefixCacheHit(request: RequestID, blocks: Int, tokens: Int)
        /// A token was sampled for `request`; `index` 0 is the first token (TTFT). `text` is its piece.
        case tokenEmitted(request: RequestID, index: Int, token: Int32, text: String)
        /// Preempted by recompute: blocks given back, request requeued.
        case preempted(request: RequestID, instance: InstanceID, reason: String)
        case finished(request: RequestID, reason: FinishReason, outputTokens: Int)
        case rejected(request: RequestID, reason: String)
    }
}

/// Anything that consumes the event stream. Called on engine threads: must be fast and never block
/// for long (the dashboard copies into its own state under a short lock).
public protocol EngineEventSink: AnyObject, Sendable {
    func receive(_ event: EngineEvent)
}
