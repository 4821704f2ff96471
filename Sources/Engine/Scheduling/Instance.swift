import Model

/// One stand-in "GPU": its role, cores, paged KV pool (own arena), model runner and its two queues.
/// What is in flight between instances (reservations, pushes, arrivals) belongs to the
/// `KVConnector`. All fields are guarded by the engine lock except `runner` and `arena` contents,
/// which only the instance's own step touches (arena blocks of one request are written by one step
/// at a time).
final class Instance {
    let id: InstanceID
    let role: InstanceRole
    let coresRequested: [Int]
    let pool: BlockPool
    let arena: KVArena
    let runner: ModelRunner

    /// Not started here yet (no blocks), first come first served. Changed only through
    /// `enqueue`/`dequeueHead`/`removeWaiting` so the prefill token count stays right.
    private(set) var waiting: [Request] = []
    /// Prompt tokens still to prefill over `waiting` (kept as a running count: the router asks for
    /// it on every arrival, and summing thousands of queued requests each time was linear).
    private(set) var waitingPrefillTokens = 0
    /// Hold blocks here and compute here (prefilling or decoding), in admission order: the last is
    /// the newest, the first to be preempted.
    var running: [Request] = []
    /// Requests in a step being computed now (not to be touched by others' planning).
    var inFlight = Set<RequestID>()

    var stepCount = 0
    var busySeconds = 0.0
    var coresObserved = Set<Int>()
    var pinError: String?
    /// Asked to run in the real-time class (`EngineConfig.realtimeDecode`), and whether its thread
    /// does (seen from the thread itself once it has started).
    var realtimeRequested = false
    var realtimeObserved = false

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
    /// Prompt tokens still to prefill here (a decoding request counts its one pending token).
    /// `running` is bounded by `--max-running`, so summing it is cheap.
    var queuedPrefillTokens: Int { waitingPrefillTokens + running.reduce(0) { $0 + $1.remainingPrefill } }

    /// Adds a request to the waiting queue. Its prompt does not change while it waits.
    func enqueue(_ request: Request, atFront: Bool) {
        if atFront { waiting.insert(request, at: 0) } else { waiting.append(request) }
        waitingPrefillTokens += request.remainingPrefill
        request.queuedOn = id
    }

    /// Takes the head of the waiting queue.
    func dequeueHead() -> Request {
        let request = waiting.removeFirst()
        left(request)
        return request
    }

    func removeWaiting(_ request: Request) {
        guard let index = waiting.firstIndex(where: { $0 === request }) else { return }
        waiting.remove(at: index)
        left(request)
    }

    /// Empties both queues (shutdown).
    func removeAllRequests() {
        for request in waiting { request.queuedOn = nil }
        waiting.removeAll(); running.removeAll(); waitingPrefillTokens = 0
    }

    private func left(_ request: Request) {
        waitingPrefillTokens -= request.remainingPrefill
        request.queuedOn = nil
    }
}

/// A cheap copy of one instance's state for user interfaces.
public struct InstanceStatus: Equatable, Sendable {
    public var id: InstanceID
    public var role: InstanceRole
    public var coresRequested: [Int]
    /// CPUs the instance's thread was seen on (`sched_getcpu`), sorted.
    public var coresObserved: [Int]
    /// The instance's thread runs in the real-time FIFO class (`--realtime-decode`).
    public var realtime = false
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
