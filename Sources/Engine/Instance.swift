import Model

/// One stand-in "GPU": its role, cores, paged KV pool (own arena), model runner and queues.
/// All fields are guarded by the engine lock except `runner` and `arena` contents, which only the
/// instance's own step touches (arena blocks of one request are written by one step at a time).
final class Instance {
    let id: InstanceID
    let role: InstanceRole
    let coresRequested: [Int]
    let pool: BlockPool
    let arena: KVArena
    let runner: ModelRunner

    /// Not started here yet (no blocks), first come first served.
    var waiting: [Request] = []
    /// Hold blocks here and compute here (prefilling or decoding), in admission order: the last is
    /// the newest, the first to be preempted.
    var running: [Request] = []
    /// Decode side: waiting for blocks to be reserved for incoming KV.
    var intake: [Request] = []
    /// Decode side: KV copied in, joining `running` at their ready time.
    var inbound: [Request] = []
    /// Prefill side: prefill done, waiting for a decode reservation.
    var handoff: [Request] = []
    /// Prefill side: reservation made, KV to be sent in the next step.
    var pushes: [Request] = []
    /// Requests in a step being computed now (not to be touched by others' planning).
    var inFlight = Set<RequestID>()

    var stepCount = 0
    var busySeconds = 0.0
    var coresObserved = Set<Int>()
    var pinError: String?

    // Simulation: this instance's own timeline, and the state generation at which it last found
    // nothing to do (it is not retried until something changes).
    var localTime = 0.0
    var stalledAtGeneration: Int?

    init(id: InstanceID, role: InstanceRole, cores: [Int], blockCount: Int, layout: KVLayout, runner: ModelRunner) {
        self.id = id; self.role = role; self.coresRequested = cores; self.runner = runner
        pool = BlockPool(capacity: blockCount)
        arena = KVArena(layout: layout, blockCount: blockCount)
    }

    var location: KVLocation { .instance(id) }
    var reservedCount: Int { intake.filter { $0.reservation != nil }.count }
    /// Sequences counted against `--max-running`: computing here or about to.
    var occupancy: Int { running.count + inbound.count + intake.filter { $0.reservation != nil }.count }
    var queuedPrefillTokens: Int {
        waiting.reduce(0) { $0 + $1.remainingPrefill } + running.reduce(0) { $0 + $1.remainingPrefill }
    }
    var hasAnyWork: Bool {
        !waiting.isEmpty || !running.isEmpty || !intake.isEmpty || !inbound.isEmpty || !pushes.isEmpty
    }
}

/// A cheap copy of one instance's state for user interfaces.
public struct InstanceStatus: Equatable, Sendable {
    public var id: InstanceID
    public var role: InstanceRole
    public var coresRequested: [Int]
    /// CPUs the instance's thread was seen on (`sched_getcpu`), sorted.
    public var coresObserved: [Int]
    public var kvBlocks: Int
    public var kvBlocksUsed: Int
    public var blockBytes: Int
    public var waiting: Int
    public var running: Int
    public var steps: Int
    public var busySeconds: Double
}

/// A cheap copy of the whole engine's state for user interfaces.
public struct EngineSnapshot: Equatable, Sendable {
    public var time: Double
    public var instances: [InstanceStatus]
    public var storeBlocks: Int
    public var storeBlocksUsed: Int
    public var storeHitBlocks: Int
    public var submitted: Int
    public var ended: Int
    public var preemptions: Int
    public var kvTransfers: Int
    public var warnings: [String]
}
