/// What the router sees of one instance: numbers only, no queues (so routing is a pure function).
struct InstanceLoad: Equatable {
    let id: InstanceID, role: InstanceRole
    /// Requests in the waiting queue, and prompt tokens still to prefill (waiting and running).
    var waiting: Int, queuedPrefillTokens: Int
    /// Sequences in its running batch.
    var running: Int
    /// Decode side: requests expecting KV here (reserved or not), and sequences counted against
    /// `--max-running` (running, arrived, reserved).
    var incoming: Int = 0
    var occupancy: Int = 0
}

/// Where one hop of a request goes, and why (the `routed` event's reason).
struct RouteDecision: Equatable {
    var instance: InstanceID
    var role: InstanceRole
    var reason: String
}

/// The request as the router sees it.
struct RouteRequest: Equatable {
    enum Hop: Equatable {
        /// Just arrived.
        case arrival
        /// Its prefill ended on a prefill instance (p-first): it needs a decode instance.
        case prefillDone
        /// A decode instance asked for a remote prefill (d-first); `why` heads the reason.
        case remotePrefill(why: String)
    }
    var hop: Hop
    var promptTokens: Int
}

/// The router: pure decisions from a request and the instances' loads. Every decision carries a
/// reason naming the numbers it was based on. Colocated: least loaded instance. Disaggregated:
/// p-first (prefill, then decode after the prefill), d-first (decode first, which may prefill
/// locally or ask for a remote prefill), simultaneous (both at once, decode reserving early).
struct Router {
    var disaggregated: Bool
    var route: RoutePolicy
    var maxRunning: Int

    init(config: EngineConfig) {
        disaggregated = config.policy == .disaggregated
        route = config.route
        maxRunning = config.maxRunning
    }

    /// The hops for `request`, in the order they happen (simultaneous gives two).
    func route(_ request: RouteRequest, loads: [InstanceLoad]) -> [RouteDecision] {
        guard disaggregated else { return [colocated(loads)] }
        switch request.hop {
        case .prefillDone:
            return [decode(loads, reason: "prefill done")]
        case .remotePrefill(let why):
            return [prefill(loads, why: why)]
        case .arrival:
            switch route {
            case .pFirst:
                return [prefill(loads, why: "p-first")]
            case .dFirst:
                var decision = decode(loads, reason: "d-first")
                decision.reason += "; prompt \(request.promptTokens) tokens"
                return [decision]
            case .simultaneous:
                var decision = decode(loads, reason: "simultaneous")
                decision.reason += "; pre-allocating while prefill runs"
                return [prefill(loads, why: "simultaneous"), decision]
            }
        }
    }

    private func colocated(_ loads: [InstanceLoad]) -> RouteDecision {
        let load: (InstanceLoad) -> Int = { $0.queuedPrefillTokens + $0.running }
        let best = loads.min { (load($0), $0.id) < (load($1), $1.id) }!
        guard loads.count > 1 else { return RouteDecision(instance: best.id, role: .both, reason: "single colocated instance") }
        let text = loads.map { "#\($0.id) \($0.waiting) queued/\($0.queuedPrefillTokens) prefill tokens/\($0.running) running" }
        return RouteDecision(instance: best.id, role: .both, reason: "least loaded of \(text.joined(separator: ", "))")
    }

    private func prefill(_ loads: [InstanceLoad], why: String) -> RouteDecision {
        let candidates = loads.filter { $0.role == .prefill }
        let best = candidates.min { ($0.queuedPrefillTokens, $0.id) < ($1.queuedPrefillTokens, $1.id) }!
        let text = candidates.map { "#\($0.id) \($0.waiting) queued/\($0.queuedPrefillTokens) tokens" }
        return RouteDecision(instance: best.id, role: .prefill,
                             reason: "\(why): prefill #\(best.id) has the fewest queued prefill tokens (\(text.joined(separator: ", ")))")
    }

    private func decode(_ loads: [InstanceLoad], reason why: String) -> RouteDecision {
        let load: (InstanceLoad) -> Int = { $0.occupancy + $0.incoming + $0.waiting }
        let candidates = loads.filter { $0.role == .decode }
        let best = candidates.min { (load($0), $0.id) < (load($1), $1.id) }!
        let text = candidates.map { "#\($0.id) \($0.running) running/\($0.incoming) incoming" }
        return RouteDecision(instance: best.id, role: .decode,
                             reason: "\(why): decode #\(best.id) least busy (\(text.joined(separator: ", ")); max running \(maxRunning))")
    }
}
