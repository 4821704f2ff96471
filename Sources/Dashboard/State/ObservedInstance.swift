/// An instance as seen from outside (attach scraping a real server's /metrics), in the dashboard's
/// terms. The in-process engine feeds events instead; a panel shows whichever it has, so the
/// dashboard's state does not care which source feeds it.
public struct ObservedInstance: Equatable, Sendable {
    /// A name and a count: a queue stage, a waiting reason.
    public struct Count: Equatable, Sendable {
        public var name: String
        public var count: Int
        public init(_ name: String, _ count: Int) { self.name = name; self.count = count }
    }

    /// Percentiles of one latency estimated from histogram bucket deltas over the window (seconds):
    /// estimates, good to a bucket's width.
    public struct Estimate: Equatable, Sendable {
        public var name: String
        public var p50: Double, p90: Double, p99: Double
        public var count: Int
        public init(name: String, p50: Double, p90: Double, p99: Double, count: Int) {
            self.name = name; self.p50 = p50; self.p90 = p90; self.p99 = p99; self.count = count
        }
    }

    public var url: String
    /// "vllm", "sglang", "llama.cpp", "pdscope serve"; nil until identified.
    public var engine: String?
    public var version: String?
    public var model: String?
    /// The context the model is served with, when the server says (vLLM's `max_model_len`).
    public var contextLength: Int?
    /// What the server says it is (prefill, decode, both, unified, prefill+decode), or what attach was told.
    public var role: String
    /// Why the last scrape failed (unreachable, HTTP status, unreadable /metrics); nil when it worked.
    public var error: String?
    /// When the last good scrape arrived (the dashboard's clock); nil before the first.
    public var lastSeen: Double?
    public var running: Int?, waiting: Int?
    public var waitingReasons: [Count] = []
    public var queues: [Count] = []
    /// 0…1.
    public var kvUsage: Double?
    public var kvBlocksUsed: Int?, kvBlocksTotal: Int?
    /// What `kvBlocksUsed` counts: "blocks" (vLLM), "tokens" (SGLang), "slots" (llama.cpp).
    public var kvUnit = "blocks"
    public var promptTokensPerSecond: Double?, generationTokensPerSecond: Double?
    public var preemptions: Int?
    /// 0…1 over the window.
    public var prefixHitRate: Double?
    /// KV transfers over the window (count, failures since start) and their estimated durations.
    public var transfers: Int?, transferFailures: Int?
    public var transferBytesPerSecond: Double?
    /// Latency estimates over the window: ttft, itl, e2e, queue, kv transfer.
    public var estimates: [Estimate] = []
    /// The window the rates and estimates cover (seconds).
    public var window: Double = 0

    public init(url: String, role: String) { self.url = url; self.role = role }

    public var isUp: Bool { error == nil && lastSeen != nil }
}
