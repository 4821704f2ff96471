import Kernels

/// The arrangement being compared (`--policy`).
public enum SchedulingPolicy: String, Sendable, Codable, Equatable, CaseIterable {
    /// First come first served; a waiting prefill runs before the next decode step (early vLLM).
    case colocatedFCFS = "colocated-fcfs"
    /// Token budget per step: running decodes first, then prefill chunks (Sarathi-Serve, vLLM v1).
    case chunkedPrefill = "chunked-prefill"
    /// Prefill instance(s) and decode instance(s), KV moved by the connector.
    case disaggregated
}

/// How the router sends a request through a disaggregated engine (`--route`).
public enum RoutePolicy: String, Sendable, Codable, Equatable, CaseIterable {
    /// Prefill instance first, then a decode instance (vLLM's proxy, Dynamo's PrefillRouter).
    case pFirst = "p-first"
    /// The decode instance receives it, reserves blocks and asks a prefill instance for the KV.
    case dFirst = "d-first"
    /// Both at once: decode pre-allocates while prefill runs (SGLang).
    case simultaneous
}

/// Size of each instance's KV pool: a block count (`--kv-blocks`) or bytes (`--kv-memory`).
public enum KVCapacity: Equatable, Sendable, Codable {
    case blocks(Int)
    case bytes(Int)
    /// Enough for `--max-running` sequences at full context: no preemption unless asked for.
    case automatic

    func blockCount(layout: KVLayoutInfo, contextLength: Int, maxRunning: Int) -> Int {
        switch self {
        case .blocks(let count): return count
        case .bytes(let bytes): return bytes / layout.blockBytes
        case .automatic:
            return maxRunning * ((contextLength + layout.blockSize - 1) / layout.blockSize)
        }
    }
}

/// The two numbers of a KV layout that sizing needs (keeps this file free of Model types).
struct KVLayoutInfo { var blockSize: Int; var blockBytes: Int }

/// Everything that shapes an engine. Each field names its command-line flag.
public struct EngineConfig: Equatable, Sendable {
    /// `--policy`
    public var policy: SchedulingPolicy = .disaggregated
    /// `--route` (disaggregated only)
    public var route: RoutePolicy = .pFirst
    /// `--kv-transfer` (disaggregated only)
    public var kvTransfer: KVTransferMode = .p2p
    /// `--prefill-cores` (default CPU 0). Colocated policies use the union of both core sets.
    public var prefillCores = CoreSet([0])
    /// `--decode-cores` (default CPU 1).
    public var decodeCores = CoreSet([1])
    /// `--colocated-instances` (colocated policies only): 1 = one `both` instance owning every
    /// core, its matmuls split across them (tensor parallelism's arrangement); N = N instances,
    /// the cores split between them (data parallelism).
    public var colocatedInstances = 1
    /// `--prefill-instances`, `--decode-instances` (disaggregated only)
    public var prefillInstances = 1
    public var decodeInstances = 1
    /// `--kv-blocks N` / `--kv-memory 64MiB`: size of each instance's pool.
    public var kvCapacity: KVCapacity = .automatic
    /// `--block-size`: token slots per KV block.
    public var blockSize = 16
    /// `--kv-cache-type`: the element of every KV pool and store, fp16 (llama.cpp's default) or f32.
    public var kvCacheType: KVCacheType = .f16
    /// `--max-batched-tokens`: token budget of one step (chunked prefill, prefill instances).
    public var maxBatchedTokens = 256
    /// `--max-running`: most sequences an instance keeps running (decode batch size limit).
    public var maxRunning = 16
    /// `--kv-store-blocks`: blocks in the shared store (pool transfer mode); nil = 4 × a pool.
    public var kvStoreBlocks: Int? = nil
    /// `--kv-link-gbps`: emulated link speed in gigabits per second (nil = off, transfers take
    /// the time of the real copy).
    public var kvLinkGbps: Double? = nil
    /// `--local-prefill-max`: with d-first, a decode instance prefills prompts of at most this many
    /// uncached tokens itself (Dynamo's conditional disaggregation). nil = never.
    public var localPrefillMax: Int? = nil
    /// Pin instance threads to their cores (off in simulations and on machines that refuse).
    public var pinThreads = true
    /// `--realtime-decode`: decode instances' threads run in the real-time FIFO class, so the
    /// host's daemons and kernel threads cannot take a decode core in the middle of a step (they
    /// did, for 15–50 ms, on the VMs this was measured on). Needs root or CAP_SYS_NICE; without
    /// it the engine warns and runs them normally. Only with pinned threads: a real-time thread
    /// that spins could otherwise starve the process's other threads wherever it lands.
    public var realtimeDecode = false
    /// Memory the KV pools are checked against (nil = this machine's, see `EngineLimits`).
    public var memoryLimit: Int? = nil

    public init() {}

    /// Every core the engine may use: what a colocated arrangement shares out.
    public var allCores: CoreSet { CoreSet(prefillCores.cores + decodeCores.cores) }

    /// Problems with the settings themselves, as one-line messages (empty when valid).
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if blockSize < 1 { errors.append("--block-size must be at least 1, got \(blockSize)") }
        if maxBatchedTokens < 1 { errors.append("--max-batched-tokens must be at least 1, got \(maxBatchedTokens)") }
        if maxRunning < 1 { errors.append("--max-running must be at least 1, got \(maxRunning)") }
        if prefillInstances < 1 { errors.append("--prefill-instances must be at least 1, got \(prefillInstances)") }
        if decodeInstances < 1 { errors.append("--decode-instances must be at least 1, got \(decodeInstances)") }
        if colocatedInstances < 1 { errors.append("--colocated-instances must be at least 1, got \(colocatedInstances)") }
        if prefillCores.isEmpty || decodeCores.isEmpty { errors.append("core sets must not be empty") }
        switch kvCapacity {
        case .blocks(let n) where n < 1: errors.append("--kv-blocks must be at least 1, got \(n)")
        case .bytes(let n) where n < 1: errors.append("--kv-memory must be positive")
        default: break
        }
        if let store = kvStoreBlocks, store < 1 { errors.append("--kv-store-blocks must be at least 1, got \(store)") }
        if let gbps = kvLinkGbps, !(gbps > 0) || !gbps.isFinite { errors.append("--kv-link-gbps must be a positive number, got \(gbps)") }
        if let local = localPrefillMax, local < 0 { errors.append("--local-prefill-max must not be negative, got \(local)") }
        return errors + EngineLimits.boundErrors(self)
    }
}

/// A configuration the engine cannot run, with the reasons.
public struct EngineConfigError: Error, CustomStringConvertible {
    public var messages: [String]
    public var description: String { messages.joined(separator: "; ") }
}
