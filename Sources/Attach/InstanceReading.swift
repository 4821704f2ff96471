/// Which serving engine printed a /metrics page.
public enum EngineKind: String, Sendable, Equatable, CaseIterable {
    case vllm, sglang, llamacpp = "llama.cpp", pdscope = "pdscope serve"

    /// By metric prefix; pdscope serve prints vLLM's names but labels each series with its `role`.
    public static func identify(_ page: MetricsPage) -> EngineKind? {
        var counts: [EngineKind: Int] = [:]
        for s in page.samples {
            if s.name.hasPrefix("vllm:") { counts[s.labels["role"] == nil ? .vllm : .pdscope, default: 0] += 1 }
            else if s.name.hasPrefix("sglang:") { counts[.sglang, default: 0] += 1 }
            else if s.name.hasPrefix("llamacpp:") { counts[.llamacpp, default: 0] += 1 }
        }
        return counts.max { $0.value < $1.value }?.key
    }
}

/// A named count on screen: a queue stage or a waiting reason.
public struct NamedCount: Equatable, Sendable {
    public var name: String
    public var count: Double
    public init(_ name: String, _ count: Double) { self.name = name; self.count = count }
}

/// What one scrape says, in engine-neutral terms. Counters are cumulative (rates come from two
/// readings); nil means the engine does not publish it.
public struct InstanceReading: Equatable, Sendable {
    public var engine: EngineKind
    /// Roles the server reports (SGLang `engine_type`, pdscope serve `role`); empty when it says none.
    public var roles: [String] = []
    public var modelName: String?
    public var running: Double?
    public var waiting: Double?
    public var waitingByReason: [NamedCount] = []
    /// 0…1.
    public var kvUsage: Double?
    public var kvBlocksTotal: Int?
    /// SGLang counts KV in tokens rather than blocks.
    public var kvTokensUsed: Double?, kvTokensTotal: Double?
    /// Queues by stage (vLLM KV fetch stages, SGLang PD queues, llama.cpp deferred).
    public var queues: [NamedCount] = []
    public var promptTokens: Double?, generationTokens: Double?, preemptions: Double?
    public var prefixQueries: Double?, prefixHits: Double?
    /// A hit rate the engine computes itself (SGLang), used when there are no hit/query counters.
    public var reportedPrefixHitRate: Double?
    public var transferFailures: Double?
    /// SGLang's last KV transfer, as gauges.
    public var lastTransferSeconds: Double?, lastTransferGBps: Double?
    /// Latency and transfer histograms under pdscope's names: ttft, itl, e2e, queue, kv_transfer, kv_transfer_bytes.
    public var histograms: [String: CumulativeHistogram] = [:]

    public init(engine: EngineKind) { self.engine = engine }
}
