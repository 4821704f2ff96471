import Engine

/// The configuration of one run as the caller (the CLI) knows it: what the metrics cannot learn
/// from events, such as the policy name and the cores each instance was asked for and got.
public struct RunInfo: Sendable, Equatable {
    /// e.g. `colocated-fcfs`, `chunked-prefill`, `disaggregated`.
    public var policy: String
    /// e.g. `p-first`; nil when the policy has no router choice.
    public var route: String?
    /// `p2p` or `pool`; nil when no KV moves between instances.
    public var kvTransfer: String?
    /// The KV cache's element type (`f16`, `f32`); nil when not known (a replayed trace's summary).
    public var kvCacheType: String?
    public var model: String?
    /// The simulated link speed (`--kv-link-gbps`), nil when off.
    public var kvLinkGbps: Double?
    /// Capacity of the shared KV store in blocks (pool mode).
    public var kvStoreBlocks: Int?
    public var instances: [RunInstanceInfo]
    /// `--goodput` objectives, nil when not given.
    public var goodput: GoodputSLO?

    public init(policy: String, route: String? = nil, kvTransfer: String? = nil, kvCacheType: String? = nil, model: String? = nil,
                kvLinkGbps: Double? = nil, kvStoreBlocks: Int? = nil, instances: [RunInstanceInfo] = [],
                goodput: GoodputSLO? = nil) {
        self.policy = policy; self.route = route; self.kvTransfer = kvTransfer; self.kvCacheType = kvCacheType; self.model = model
        self.kvLinkGbps = kvLinkGbps; self.kvStoreBlocks = kvStoreBlocks; self.instances = instances
        self.goodput = goodput
    }

    /// Pool capacities by location, for `kv_cache_usage`.
    public var poolBlocks: [KVLocation: Int] {
        var pools: [KVLocation: Int] = [:]
        for instance in instances { if let blocks = instance.kvBlocks { pools[.instance(instance.id)] = blocks } }
        if let kvStoreBlocks { pools[.store] = kvStoreBlocks }
        return pools
    }
}

/// One instance as configured: its role, the cores asked for and the cores it was seen running on.
public struct RunInstanceInfo: Sendable, Equatable {
    public var id: InstanceID
    public var role: InstanceRole
    public var coresRequested: [Int]
    /// From `sched_getcpu` on the instance's threads.
    public var coresObserved: [Int]
    /// KV pool size in blocks.
    public var kvBlocks: Int?
    /// Its thread ran in the real-time class (`--realtime-decode`).
    public var realtime: Bool

    public init(id: InstanceID, role: InstanceRole, coresRequested: [Int], coresObserved: [Int], kvBlocks: Int? = nil,
                realtime: Bool = false) {
        self.id = id; self.role = role; self.coresRequested = coresRequested
        self.coresObserved = coresObserved; self.kvBlocks = kvBlocks; self.realtime = realtime
    }
}

/// One run's result: its configuration plus its metrics. Printed as a table (`text()`), side by
/// side with other runs (`RunSummary.comparison`), or as the `--json` contract (`RunSummary.json`).
public struct RunSummary: Sendable, Equatable {
    public var info: RunInfo
    public var report: MetricsReport

    public init(info: RunInfo, report: MetricsReport) {
        self.info = info; self.report = report
    }

    /// Computes the report from `collector` with the objectives and pool sizes of `info`.
    /// - Parameter duration: run duration in seconds; default from first arrival to last event.
    public init(info: RunInfo, collector: MetricsCollector, duration: Double? = nil) {
        self.init(info: info, report: collector.report(slo: info.goodput, poolBlocks: info.poolBlocks, duration: duration))
    }

    /// An instance row of the summary: configuration joined with measured activity.
    public struct InstanceRow: Sendable, Equatable {
        public var id: InstanceID
        /// `prefill`, `decode`, `both`, or `unknown` for an instance seen only in events.
        public var role: String
        public var coresRequested: [Int]
        public var coresObserved: [Int]
        public var realtime = false
        public var steps: Int
        public var busySeconds: Double
        public var busyFraction: Double
        public var kvCache: MetricsReport.KVCacheStats?
    }

    /// Configured instances in the caller's order, then any other instance that ran a step.
    public var instanceRows: [InstanceRow] {
        let stats = Dictionary(report.instances.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let cache = Dictionary(report.kvCache.map { ($0.location, $0) }, uniquingKeysWith: { a, _ in a })
        let configured = info.instances.map { instance -> InstanceRow in
            let measured = stats[instance.id]
            return InstanceRow(id: instance.id, role: instance.role.rawValue,
                               coresRequested: instance.coresRequested, coresObserved: instance.coresObserved,
                               realtime: instance.realtime, steps: measured?.steps ?? 0, busySeconds: measured?.busySeconds ?? 0,
                               busyFraction: measured?.busyFraction ?? (report.durationSeconds > 0 ? 0 : .nan),
                               kvCache: cache[.instance(instance.id)])
        }
        let known = Set(info.instances.map(\.id))
        let extra = report.instances.filter { !known.contains($0.id) }.map {
            InstanceRow(id: $0.id, role: "unknown", coresRequested: [], coresObserved: [], steps: $0.steps,
                        busySeconds: $0.busySeconds, busyFraction: $0.busyFraction, kvCache: cache[.instance($0.id)])
        }
        return configured + extra
    }
}

extension KVLocation {
    /// `instance:3` or `store`: the spelling used in the summary's JSON and tables.
    var summaryName: String {
        switch self {
        case .instance(let id): return "instance:\(id)"
        case .store: return "store"
        }
    }
}
