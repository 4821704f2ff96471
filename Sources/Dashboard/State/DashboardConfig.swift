import Engine

/// One instance as the dashboard introduces it: its id, role and the cores it was asked to pin to.
public struct InstanceDescription: Equatable, Sendable {
    public var id: InstanceID
    public var role: InstanceRole
    public var cores: [Int]

    public init(id: InstanceID, role: InstanceRole, cores: [Int]) { self.id = id; self.role = role; self.cores = cores }
}

/// What the dashboard is told once, at start: the run's fixed description and the limits it uses
/// to judge latencies.
public struct DashboardConfig: Equatable, Sendable {
    public var modelName: String
    /// True when the weights are generated rather than a trained model: the header says so.
    public var isSyntheticModel: Bool
    public var policy: String
    public var route: String
    /// nil for colocated policies (no transfers).
    public var transferMode: KVTransferMode?
    /// The KV cache's element type ("f16", "f32"), shown after the KV mode; nil: not known (attach).
    public var kvCacheType: String?
    public var instances: [InstanceDescription]
    /// Block count of every KV pool, including `.store` in pool mode.
    public var poolBlocks: [KVLocation: Int]
    /// `--goodput` objectives for SLO attainment (nil: none given, none shown, as in the summary).
    public var slo: GoodputSLO?
    /// The live percentile and SLO lines cover the requests that arrived in the last this many
    /// seconds (nil: the whole session, exactly the headless summary's numbers).
    public var metricsWindow: Double?
    /// A token gap counts as a stall when it exceeds `stallFactor` × the request's median gap and
    /// the median by at least `minimumStall` seconds (so scheduling jitter is not reported).
    public var stallFactor: Double
    public var minimumStall: Double

    public init(modelName: String, isSyntheticModel: Bool = false, policy: String, route: String = "-",
                transferMode: KVTransferMode? = nil, kvCacheType: String? = nil, instances: [InstanceDescription],
                poolBlocks: [KVLocation: Int], slo: GoodputSLO? = nil, metricsWindow: Double? = nil,
                stallFactor: Double = 3, minimumStall: Double = 0.005) {
        self.modelName = modelName; self.isSyntheticModel = isSyntheticModel; self.policy = policy
        self.route = route; self.transferMode = transferMode; self.kvCacheType = kvCacheType; self.instances = instances
        self.poolBlocks = poolBlocks; self.slo = slo; self.metricsWindow = metricsWindow
        self.stallFactor = stallFactor; self.minimumStall = minimumStall
    }
}
