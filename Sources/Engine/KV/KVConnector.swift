import Model

/// The KV connector: owns what is in flight between instances and moves a finished prefill's
/// blocks to its decode instance (the scheduler side of vLLM v1's connector split).
/// - p2p: prefill pool → decode pool (one copy).
/// - pool: prefill pool → store → decode pool (two copies); full prompt blocks stay in the store
///   under their prefix hash, so later requests load them instead of recomputing.
/// Life of a hand-off: `expect` (the decode side queues it) → `reserve` (decode blocks held) →
/// `prefillDone` → `planPushes` (copies run in the prefill instance's next step, outside the lock)
/// → `completePush` → `takeArrivals` (joins the decode batch when the link would have delivered
/// it). `cancel` drops it at any point. Instances never touch each other's queues.
final class KVConnector {
    /// What the connector knows of one request on its way to a decode instance.
    struct Handoff {
        var decode: InstanceID
        /// Sent to a prefill instance (false while a d-first decode instance has not decided).
        var remotePrefill: Bool
        var prefillDone: Bool
        /// Decode-pool blocks reserved for the incoming KV.
        var reservation: [Int32]?
        /// In the prefill instance's push queue (reserved and prefilled, copy not planned yet).
        var pushing = false
        /// KV copied; waiting in the decode instance's arrivals until `arrivals`' last time.
        var arrived = false
        /// kvTransferEnded events waiting for their time (emulated link speed).
        var arrivals: [PendingTransferEnd] = []
    }

    let store: KVStore?
    let storeArena: KVArena?
    let instances: [Instance]
    let layout: KVLayout
    let events: EventStream
    let mode: KVTransferMode
    let linkGbps: Double?
    private(set) var transferCount = 0
    private var nextTransferID = 0
    private var handoffs: [RequestID: Handoff] = [:]
    /// Per decode instance: expecting KV (reserved or not) until the copy has run, first come first served.
    private var intake: [[Request]]
    /// Per decode instance: KV copied in, joining the batch at their ready time.
    private var inbound: [[Request]]
    /// Per prefill instance: reserved and prefilled, to be sent in its next step.
    private var pushes: [[Request]]
    /// Per decode instance: intake entries holding a reservation.
    private var reservedCounts: [Int]

    init(instances: [Instance], layout: KVLayout, storeBlocks: Int?, events: EventStream, config: EngineConfig) {
        self.instances = instances; self.layout = layout; self.events = events
        mode = config.kvTransfer; linkGbps = config.kvLinkGbps
        if let storeBlocks {
            store = KVStore(capacity: storeBlocks)
            storeArena = KVArena(layout: layout, blockCount: storeBlocks)
        } else {
            store = nil; storeArena = nil
        }
        intake = Array(repeating: [], count: instances.count)
        inbound = intake; pushes = intake
        reservedCounts = Array(repeating: 0, count: instances.count)
    }

    // MARK: Questions

    func handoff(of request: RequestID) -> Handoff? { handoffs[request] }
    /// Requests expecting KV on a decode instance (reserved or not).
    func incomingCount(on instance: InstanceID) -> Int { intake[instance].count }
    /// Sequences held for a decode instance besides its running batch: arrived, or reserved.
    func heldSlots(on instance: InstanceID) -> Int { inbound[instance].count + reservedCounts[instance] }
    func hasPushes(on instance: InstanceID) -> Bool { !pushes[instance].isEmpty }
    func hasWork(on instance: InstanceID) -> Bool {
        !intake[instance].isEmpty || !inbound[instance].isEmpty || !pushes[instance].isEmpty
    }
    /// Ready times of everything the connector holds for `instance`.
    func readyTimes(on instance: InstanceID, includingPushes: Bool) -> [Double] {
        (intake[instance] + inbound[instance] + (includingPushes ? pushes[instance] : [])).map(\.readyTime)
    }
    func describe(_ instance: InstanceID) -> String {
        let waitingForPrefill = intake[instance].filter { handoffs[$0.id]?.prefillDone == true && handoffs[$0.id]?.reservation == nil }
        return "intake \(intake[instance].map(\.id)) inbound \(inbound[instance].map(\.id)) handoff \(waitingForPrefill.map(\.id)) pushes \(pushes[instance].map(\.id))"
    }

    // MARK: Scheduler-side API

    /// A decode instance will receive `request`'s KV: it queues for a reservation.
    func expect(_ request: Request, on decode: InstanceID, remotePrefill: Bool, prefillDone: Bool, now: Double) {
        handoffs[request.id] = Handoff(decode: decode, remotePrefill: remotePrefill, prefillDone: prefillDone)
        request.readyTime = now
        intake[decode].append(request)
        events.emit(.queued(request: request.id, instance: decode))
    }

    /// Requests on `decode` ready by `now` that hold no reservation yet, in arrival order.
    func awaitingReservation(on decode: InstanceID, readyBy now: Double) -> [Request] {
        intake[decode].filter { $0.readyTime <= now && handoffs[$0.id]?.reservation == nil }
    }

    /// The decode instance prefills it itself (d-first, short prompt): the connector lets it go.
    func withdraw(_ request: Request) {
        guard let handoff = handoffs.removeValue(forKey: request.id) else { return }
        intake[handoff.decode].removeAll { $0 === request }
    }

    func markRemotePrefill(_ request: RequestID) { handoffs[request]?.remotePrefill = true }

    /// Reserves decode blocks for the incoming KV; false (nothing changed) when the pool is full.
    /// A request already prefilled goes to its prefill instance's push queue at once.
    func reserve(_ request: Request, now: Double) -> Bool {
        guard var handoff = handoffs[request.id] else { return false }
        let kvTokens = handoff.prefillDone ? request.computed : request.tokens.count
        let decode = instances[handoff.decode]
        guard let blocks = decode.allocate(layout.blocksNeeded(tokens: kvTokens), for: request.id, events: events) else { return false }
        handoff.reservation = blocks
        reservedCounts[handoff.decode] += 1
        if handoff.prefillDone { queuePush(request, &handoff, now: now) }
        handoffs[request.id] = handoff
        return true
    }

    /// The prefill instance finished `request`'s prompt. True when the connector already expects
    /// it (it is sent once reserved); false when it still needs a decode instance (`expect`).
    func prefillDone(_ request: Request, now: Double) -> Bool {
        guard var handoff = handoffs[request.id] else { return false }
        handoff.prefillDone = true
        if handoff.reservation != nil { queuePush(request, &handoff, now: now) }
        handoffs[request.id] = handoff
        return true
    }

    private func queuePush(_ request: Request, _ handoff: inout Handoff, now: Double) {
        request.readyTime = now
        pushes[request.home!].append(request)
        handoff.pushing = true
    }

    /// Prefill side: the copies of every request on `prefill` whose reservation is ready (a push
    /// the store has no room for yet stays queued).
    func planPushes(from prefill: Instance, now: Double) -> [PushJob] {
        var jobs: [PushJob] = []
        var index = 0
        while index < pushes[prefill.id].count {
            let request = pushes[prefill.id][index]
            guard request.readyTime <= now, let job = makePush(request, from: prefill) else { index += 1; continue }
            pushes[prefill.id].remove(at: index)
            handoffs[request.id]?.pushing = false
            jobs.append(job)
        }
        return jobs
    }

    /// Decode side: requests whose KV has arrived by `now`, in order; they leave the connector.
    func takeArrivals(on decode: InstanceID, now: Double) -> [Request] {
        let ready = inbound[decode].filter { $0.readyTime <= now }
        guard !ready.isEmpty else { return [] }
        for request in ready {
            emitArrivals(handoffs.removeValue(forKey: request.id)?.arrivals ?? [], of: request.id, notAfter: nil)
        }
        inbound[decode].removeAll { $0.readyTime <= now }
        return ready
    }

    /// Drops `request` wherever it is (finish or abort). Transfer ends already timed are reported
    /// (not after `now`); returns the decode reservation for the caller to free.
    func cancel(_ request: Request, now: Double) -> (decode: InstanceID, blocks: [Int32])? {
        guard let handoff = handoffs.removeValue(forKey: request.id) else { return nil }
        emitArrivals(handoff.arrivals, of: request.id, notAfter: now)
        if handoff.arrived {
            inbound[handoff.decode].removeAll { $0 === request }
        } else {
            intake[handoff.decode].removeAll { $0 === request }
        }
        if handoff.pushing, let home = request.home { pushes[home].removeAll { $0 === request } }
        guard let reservation = handoff.reservation else { return nil }
        reservedCounts[handoff.decode] -= 1
        return (handoff.decode, reservation)
    }

    /// Empties every queue at once (shutdown), so cancelling thousands of requests stays linear.
    func clearQueues() {
        for index in instances.indices { intake[index] = []; inbound[index] = []; pushes[index] = [] }
    }

    func emitArrivals(_ ends: [PendingTransferEnd], of request: RequestID, notAfter now: Double?) {
        for end in ends {
            let copy = end.copy
            events.emit(.kvTransferEnded(transfer: copy.transfer, request: request, from: copy.from, to: copy.to,
                                         blocks: copy.sourceBlocks.count, bytes: end.bytes, mode: copy.mode),
                        at: now.map { min(end.time, $0) } ?? end.time)
        }
    }

    func takeTransferID() -> Int {
        defer { nextTransferID += 1 }
        return nextTransferID
    }

    /// Seconds an emulated link of `--kv-link-gbps` gigabits per second needs for `bytes` (0 when off).
    func linkSeconds(bytes: Int) -> Double {
        guard let gbps = linkGbps, gbps > 0 else { return 0 }
        return Double(bytes) * 8 / (gbps * 1e9)
    }

    /// The request moves to its decode instance's arrivals, ready when the link would have
    /// delivered it.
    func land(_ request: Request, arrivals ends: [PendingTransferEnd], readyAt time: Double) {
        guard var handoff = handoffs[request.id] else { return }
        request.blockTable = handoff.reservation!
        request.home = handoff.decode
        request.readyTime = time
        handoff.reservation = nil
        reservedCounts[handoff.decode] -= 1
        handoff.arrivals = ends
        handoff.arrived = true
        handoffs[request.id] = handoff
        intake[handoff.decode].removeAll { $0 === request }
        inbound[handoff.decode].append(request)
    }

    /// Reports copies that ran (their start events) and counts them.
    func started(_ copies: [CopyJob], _ timings: [CopyTiming]) {
        for (copy, timing) in zip(copies, timings) {
            events.emit(.kvTransferStarted(transfer: copy.transfer, request: copy.request, from: copy.from, to: copy.to,
                                           blocks: copy.sourceBlocks.count, bytes: timing.bytes, mode: copy.mode),
                        at: timing.start)
        }
        transferCount += copies.count
    }
}

/// A copy that ran, its kvTransferEnded event waiting for its time (emulated link speed).
struct PendingTransferEnd {
    var copy: CopyJob
    var bytes: Int
    var time: Double
}
