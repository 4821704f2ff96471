import Engine

/// What the screen shows, reduced from engine events on the UI thread. `apply(_:)` is the only
/// mutation; queries (queues, user rows, summary) live in extensions. Not thread-safe by design:
/// the engine hands events to an `EventInbox`, and the UI thread drains it into here.
public struct DashboardState {
    static let maxTransfers = 32, maxStalls = 32, tokenRateWindow = 2.0

    public let config: DashboardConfig
    /// Latest time known: the newest event, or the clock the UI advanced to.
    public private(set) var now: Double = 0
    public internal(set) var requests: [RequestID: RequestRecord] = [:]
    /// Users in order of first appearance; each shows its latest request.
    public private(set) var users: [String] = []
    public private(set) var latestRequest: [String: RequestID] = [:]
    public internal(set) var instances: [InstanceID: LiveInstance] = [:]
    /// Owner of each block per pool (nil = free).
    public private(set) var blockOwners: [KVLocation: [RequestID?]] = [:]
    public private(set) var transfersInFlight: [Int: TransferRecord] = [:]
    /// Newest last.
    public private(set) var recentTransfers: [TransferRecord] = []
    public private(set) var stalls: [StallRecord] = []
    public private(set) var finishedCount = 0, rejectedCount = 0, preemptionCount = 0
    public private(set) var lastRejectReason: String?
    /// Instances seen from outside (attach); empty when the in-process engine feeds the dashboard.
    public private(set) var observed: [InstanceID: ObservedInstance] = [:]
    /// The engine layer's one metrics reducer, fed every event: the percentile and SLO lines and
    /// the stall causes come from it, so they match the headless summary.
    public let metrics = MetricsCollector()
    var reportCache = ReportCache()
    private var recentTokenTimes: [Double] = []

    public init(config: DashboardConfig) {
        self.config = config
        for d in config.instances { instances[d.id] = LiveInstance(description: d) }
        for (location, count) in config.poolBlocks { blockOwners[location] = Array(repeating: nil, count: max(0, count)) }
    }

    /// Moves the clock forward (never back) so ages and rates grow between events.
    public mutating func advance(to time: Double) { now = max(now, time) }

    /// Replaces what is known of an instance seen from outside.
    public mutating func observe(_ instance: ObservedInstance, as id: InstanceID) { observed[id] = instance }

    /// Updates where an instance's thread was observed running (cores, real-time class).
    public mutating func setPlacement(_ placement: ThreadPlacement, for instance: InstanceID) {
        instances[instance]?.observedCores = placement.cores
        instances[instance]?.isRealtime = placement.realtime
    }

    public mutating func apply(_ event: EngineEvent) {
        metrics.receive(event)
        reportCache.eventCount += 1
        advance(to: event.time)
        let t = event.time
        switch event.kind {
        case let .arrived(id, spec, promptTokens):
            requests[id] = RequestRecord(id: id, spec: spec, promptTokens: promptTokens, arrival: t)
            if latestRequest[spec.user] == nil { users.append(spec.user) }
            if let previous = latestRequest[spec.user], requests[previous]?.stage.isTerminal == true {
                requests[previous] = nil   // its numbers live on in the summary samples
            }
            latestRequest[spec.user] = id
        case .routed:
            break
        case let .queued(id, instance):
            guard var r = requests[id] else { return }
            r.instance = instance
            if r.stage != .preempted {
                // Prefilled: its KV is here, and it waits for a place in a decode batch.
                r.enter(r.prefilledTokens >= r.promptTokens && r.promptTokens > 0 ? .decodeWaiting : .waiting, at: t)
            }
            requests[id] = r
        case let .stepStarted(instance, step, decodes, prefills):
            instances[instance]?.stepStarted(step, decodes: decodes, prefills: prefills, at: t)
            for id in decodes { update(id) { $0.instance = instance; $0.enter(.decoding, at: t) } }
            for chunk in prefills { update(chunk.request) { $0.instance = instance; $0.enter(.prefilling, at: t) } }
        case let .stepEnded(instance, _, duration, offCPU):
            instances[instance]?.stepEnded(duration: duration, at: t)
            if offCPU > 0 { refreshStalls(endingAt: t, on: instance) }
        case let .prefillChunkStarted(instance, chunk):
            instances[instance]?.noteChunk(chunk, at: t)
            update(chunk.request) { $0.instance = instance; $0.enter(.prefilling, at: t) }
        case let .prefillChunkEnded(instance, chunk):
            instances[instance]?.chunkEnded(chunk)
            update(chunk.request) { $0.prefilledTokens = max($0.prefilledTokens, chunk.startPosition + chunk.tokens) }
        case let .waitingForRemoteKV(id, instance):
            update(id) { $0.instance = instance; $0.enter(.waitingForRemoteKV, at: t) }
        case let .blocksAllocated(location, id, blocks):
            setOwner(id, of: blocks, at: location)
        case let .blocksFreed(location, id, blocks):
            setOwner(nil, of: blocks, at: location, onlyIfOwnedBy: id)
        case let .kvTransferStarted(transfer, id, from, to, blocks, bytes, mode):
            transfersInFlight[transfer] = TransferRecord(id: transfer, request: id, from: from, to: to, blocks: blocks,
                                                         bytes: bytes, mode: mode, start: t, end: t)
            if case let .instance(source) = from { instances[source]?.sendingKV.append(id) }
            update(id) { $0.enter(.transferring, at: t) }
        case let .kvTransferEnded(transfer, id, from, to, blocks, bytes, mode):
            var record = transfersInFlight.removeValue(forKey: transfer)
                ?? TransferRecord(id: transfer, request: id, from: from, to: to, blocks: blocks, bytes: bytes, mode: mode, start: t, end: t)
            record.end = t
            recentTransfers.append(record)
            if recentTransfers.count > Self.maxTransfers { recentTransfers.removeFirst() }
            if case let .instance(source) = from, let i = instances[source]?.sendingKV.firstIndex(of: id) {
                instances[source]?.sendingKV.remove(at: i)
            }
        case let .prefixCacheHit(id, _, tokens):
            update(id) { $0.cachedTokens += tokens }
        case let .tokenEmitted(id, index, _, text):
            tokenEmitted(id, index: index, text: text, at: t)
        case let .preempted(id, _, _):
            preemptionCount += 1
            update(id) { $0.preemptions += 1; $0.prefilledTokens = 0; $0.enter(.preempted, at: t) }
        case let .finished(id, reason, _):
            finishedCount += 1
            update(id) { $0.finishTime = t; $0.finishReason = reason; $0.enter(.finished(reason), at: t) }
        case let .rejected(id, reason):
            rejectedCount += 1; lastRejectReason = reason
            update(id) { $0.rejectReason = reason; $0.enter(.rejected(reason), at: t) }
        }
    }

    /// Adds what attach learned of a request outside the event stream (see `RequestNote`).
    public mutating func apply(_ note: RequestNote) {
        update(note.request) { r in
            if let n = note.promptTokens { r.promptTokens = n }
            if let t = note.prefillEnd { r.prefillEnd = t }
            if let t = note.decodeStart { r.decodeStart = t }
        }
    }

    private mutating func update(_ id: RequestID, _ change: (inout RequestRecord) -> Void) {
        guard var r = requests[id] else { return }
        change(&r)
        requests[id] = r
    }

    private mutating func setOwner(_ owner: RequestID?, of blocks: [Int32], at location: KVLocation, onlyIfOwnedBy: RequestID? = nil) {
        var map = blockOwners[location] ?? []
        for b in blocks where b >= 0 {
            let i = Int(b)
            // Defensive: an engine bigger than announced still shows, it just grows the map.
            if i >= map.count { map += Array(repeating: nil, count: i + 1 - map.count) }
            if let expected = onlyIfOwnedBy, map[i] != expected { continue }
            map[i] = owner
        }
        blockOwners[location] = map
    }

    private mutating func tokenEmitted(_ id: RequestID, index: Int, text: String, at t: Double) {
        recentTokenTimes.append(t)
        if recentTokenTimes.count > 4096 || (recentTokenTimes.first ?? t) < t - Self.tokenRateWindow {
            recentTokenTimes.removeAll { $0 < t - Self.tokenRateWindow }
        }
        guard var r = requests[id] else { return }
        let median = r.medianITL, previous = r.lastTokenTime
        let gap = r.recordToken(at: t, text: text)
        if r.stage < .decoding { r.enter(.decoding, at: t) }
        requests[id] = r
        guard let gap, previous != nil else { return }
        if let median, r.gaps.count > 3, gap > median * config.stallFactor, gap - median >= config.minimumStall,
           let stall = metrics.stall(request: id, tokenIndex: index) {
            recordStall(stall, user: r.user, median: median)
        }
    }

    /// A step's tokens come before its `step_end` event (stamped with the step's measured end, which
    /// is earlier than the tokens' own times), so a stall recorded at its late token does not have
    /// that step's off-CPU time yet: take the reducer's account again for every stall on this
    /// instance whose gap holds the step's end.
    private mutating func refreshStalls(endingAt t: Double, on instance: InstanceID) {
        for index in stalls.indices.reversed() {
            let record = stalls[index]
            if record.time < t { break }   // recorded in time order: the rest ended before this step
            guard record.instance == instance, record.time - record.gap < t else { continue }
            if let stall = metrics.stall(request: record.request, tokenIndex: record.tokenIndex) {
                stalls[index] = StallRecord(stall: stall, user: record.user, medianGap: record.medianGap)
            }
        }
    }

    /// Keeps the reducer's account of the gap: the prefill chunks that ran on the request's
    /// instance meanwhile (the usual cause when prefill and decode share an instance).
    private mutating func recordStall(_ stall: Stall, user: String, median: Double) {
        stalls.append(StallRecord(stall: stall, user: user, medianGap: median))
        if stalls.count > Self.maxStalls { stalls.removeFirst() }
    }

    /// Tokens emitted per second over the last two seconds.
    public var tokensPerSecond: Double {
        // Early in a run the window is shorter than two seconds; dividing by two would under-report.
        let window = min(Self.tokenRateWindow, max(now, 0.25))
        let count = recentTokenTimes.reduce(0) { $0 + ($1 > now - window ? 1 : 0) }
        return Double(count) / window
    }
}
