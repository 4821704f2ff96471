/// Runs the engine on one thread with a manual clock: a discrete-event simulation in which every
/// instance has its own timeline (they stand for separate devices working in parallel). Each step
/// goes to the instance that is free earliest; arrivals happen at their `arrivalOffset`. With the
/// fake runner this makes scheduling tests exact, deterministic and free of sleeps.
public final class EngineSimulation {
    let core: EngineCore
    private let clock: ManualClock
    private var arrivals: [(time: Double, order: Int, spec: RequestSpec)] = []
    private var submittedCount = 0
    private var arrivedIDs: [RequestID] = []

    /// `runnerFactory` builds one runner per instance (cores are empty: nothing is pinned).
    public init(config: EngineConfig, clock: ManualClock,
                runnerFactory: (InstancePlacement) throws -> ModelRunner) throws {
        var config = config
        config.pinThreads = false
        self.clock = clock
        core = try EngineBuilder.makeCore(config: config, clock: clock, pinning: false, runnerFactory: runnerFactory)
    }

    public var frontEnd: ModelFrontEnd { core.frontEnd }

    public func addSink(_ sink: EngineEventSink) { core.addSink(sink) }
    public var warnings: [String] { core.warnings }
    public func snapshot() -> EngineSnapshot { core.snapshot() }

    /// Schedules `spec` to arrive `spec.arrivalOffset` seconds after the simulation's start.
    /// Request ids are given in arrival order (ties: submission order).
    public func submit(_ spec: RequestSpec) {
        arrivals.append((core.startTime + spec.arrivalOffset, submittedCount, spec))
        submittedCount += 1
        arrivals.sort { ($0.time, $0.order) < ($1.time, $1.order) }
    }

    /// Runs until every submitted request has finished or been rejected.
    /// Throws if the engine can make no more progress with requests still open (a scheduler bug).
    public func run(maxSteps: Int = 10_000_000) throws {
        var steps = 0
        while true {
            steps += 1
            guard steps < maxSteps else { throw SimulationError.tooManySteps(describeOpenRequests()) }
            let next = core.instances.compactMap { instance in nextWorkTime(instance).map { ($0, instance) } }
                .min { ($0.0, $0.1.id) < ($1.0, $1.1.id) }
            if let arrival = arrivals.first, next == nil || arrival.time <= next!.0 {
                arrivals.removeFirst()
                clock.set(to: arrival.time)
                arrivedIDs.append(core.arrive(PreparedRequest(arrival.spec, frontEnd: core.frontEnd)))
                continue
            }
            guard let (time, instance) = next else {
                if core.isIdle { return }
                throw SimulationError.stalled(describeOpenRequests())
            }
            clock.set(to: time)
            let version = core.eventCount
            if let plan = core.plan(instance, now: time) {
                let result = StepExecutor.run(plan, runner: instance.runner, arena: instance.arena, clock: clock)
                core.complete(plan, result)
                instance.localTime = clock.now()
                instance.stalledAtGeneration = nil
            } else {
                instance.localTime = time
                // Nothing to do until something else changes or a queued item's time comes.
                instance.stalledAtGeneration = core.eventCount == version ? core.eventCount : nil
            }
        }
    }

    /// Ids of the requests that have arrived, in arrival order.
    public var requestIDs: [RequestID] { arrivedIDs }

    /// Final state of a request.
    public func state(of id: RequestID) -> RequestState? { core.requests[id]?.state }

    private func nextWorkTime(_ instance: Instance) -> Double? {
        if let stalled = instance.stalledAtGeneration, stalled == core.eventCount {
            return core.nextReadyTime(instance, after: instance.localTime)
        }
        let connector = core.connector
        guard !instance.waiting.isEmpty || !instance.running.isEmpty || connector.hasWork(on: instance.id) else { return nil }
        if !instance.running.isEmpty || connector.hasPushes(on: instance.id) { return instance.localTime }
        let queued = instance.waiting.map(\.readyTime) + connector.readyTimes(on: instance.id, includingPushes: false)
        guard let ready = queued.min() else { return instance.localTime }
        return max(instance.localTime, ready)
    }

    private func describeOpenRequests() -> String {
        let open = core.requests.values.filter { !$0.state.isTerminal }.sorted { $0.id < $1.id }
        let requests = open.prefix(8).map { "request \($0.id) \($0.state) computed \($0.computed)/\($0.tokens.count) home \($0.home.map(String.init) ?? "-")" }
        let pools = core.instances.map { "#\($0.id) free \($0.pool.freeCount) waiting \($0.waiting.map(\.id)) running \($0.running.map(\.id)) \(core.connector.describe($0.id))" }
        let store = core.store.map { "store used \($0.usedCount) cached \($0.cachedCount)" } ?? ""
        return (requests + pools + [store]).joined(separator: "; ")
    }
}

/// The simulation could not finish.
public enum SimulationError: Error, CustomStringConvertible {
    case stalled(String)
    case tooManySteps(String)
    public var description: String {
        switch self {
        case .stalled(let open): return "engine stalled with open requests: \(open)"
        case .tooManySteps(let open): return "simulation did not finish: \(open)"
        }
    }
}
