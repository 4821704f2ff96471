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
    public var instances: [InstanceDescription]
    /// Block count of every KV pool, including `.store` in pool mode.
    public var poolBlocks: [KVLocation: Int]
    /// SLOs in seconds for attainment (DistServe: a request attains when it meets both).
    public var ttftSLO: Double
    public var tpotSLO: Double
    /// A token gap counts as a stall when it exceeds `stallFactor` × the request's median gap and
    /// the median by at least `minimumStall` seconds (so scheduling jitter is not reported).
    public var stallFactor: Double
    public var minimumStall: Double

    public init(modelName: String, isSyntheticModel: Bool = false, policy: String, route: String = "-",
                transferMode: KVTransferMode? = nil, instances: [InstanceDescription],
                poolBlocks: [KVLocation: Int], ttftSLO: Double = 1.0, tpotSLO: Double = 0.1,
                stallFactor: Double = 3, minimumStall: Double = 0.005) {
        self.modelName = modelName; self.isSyntheticModel = isSyntheticModel; self.policy = policy
        self.route = route; self.transferMode = transferMode; self.instances = instances
        self.poolBlocks = poolBlocks; self.ttftSLO = ttftSLO; self.tpotSLO = tpotSLO
        self.stallFactor = stallFactor; self.minimumStall = minimumStall
    }
}
