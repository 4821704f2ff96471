import CPlatform
import Foundation
import Model

/// The PD engine: pinned instances, each a worker thread running schedule → run model → update in
/// a loop, sharing one lock for scheduling state (never held during model compute). Wire it up,
/// `start()`, `submit` requests from any thread, watch events through sinks or `snapshot()`.
public final class Engine: Sendable {
    /// The core, reachable only under its lock.
    let core: ConditionLocked<EngineCore>
    public let config: EngineConfig
    /// The model's text side: prompts are tokenized with it before the lock is taken.
    public let frontEnd: ModelFrontEnd
    /// The clock events are stamped with; timed submission runs on it too.
    public let clock: EngineClock

    /// Builds every instance (its runner via `runnerFactory`, its KV arena). Throws on bad settings.
    public init(config: EngineConfig, clock: EngineClock = MonotonicClock(),
                runnerFactory: (InstancePlacement) throws -> ModelRunner) throws {
        let core = try EngineBuilder.makeCore(config: config, clock: clock, pinning: config.pinThreads,
                                              runnerFactory: runnerFactory)
        self.config = core.config
        frontEnd = core.frontEnd
        self.clock = clock
        self.core = ConditionLocked(core)
    }

    /// Fallbacks and oddities noticed while placing instances (fewer cores than asked, ...).
    public var warnings: [String] { core.withLock { $0.warnings } }
    /// The model's context length and name.
    public var contextLength: Int { frontEnd.contextLength }
    public var modelName: String { frontEnd.modelName }

    /// Adds an event consumer. Add sinks before `start()` to see every event.
    public func addSink(_ sink: EngineEventSink) { core.withLock { $0.addSink(sink) } }

    /// Starts one thread per instance, pinned to its cores.
    public func start() {
        let names: [String] = core.withLock { core in
            guard !core.threads.isStarted else { return [] }
            core.threads.isStarted = true
            core.threads.live = core.instances.count
            return core.instances.map { "pdscope-\($0.role.rawValue)-\($0.id)" }
        }
        for (id, name) in names.enumerated() {
            let thread = Thread { [self] in self.runLoop(id) }
            thread.name = name
            thread.start()
        }
        // Return once every thread has placed itself, so a warning about pinning or real-time
        // priority is in `warnings` for the caller to show (the dashboard shows them at start).
        core.waitUntil { core -> ConditionLocked<EngineCore>.Wait<Void> in
            core.threads.placed >= names.count ? .done(()) : .sleep(until: nil)
        }
    }

    /// Hands a request to the router now (its `arrivalOffset` is the caller's business). Thread-safe.
    @discardableResult
    public func submit(_ spec: RequestSpec) -> RequestID {
        let prepared = PreparedRequest(spec, frontEnd: frontEnd)
        return core.withLock(broadcast: true) { $0.arrive(prepared) }
    }

    /// Like `submit`, but first calls `register` with the id the request will get, under the
    /// engine lock and before any event of it, so an observer keyed by id misses none.
    @discardableResult
    public func submit(_ spec: RequestSpec, register: (RequestID) -> Void) -> RequestID {
        let prepared = PreparedRequest(spec, frontEnd: frontEnd)
        return core.withLock(broadcast: true) { core in
            register(core.nextRequestID)
            return core.arrive(prepared)
        }
    }

    /// Ends a request early (finished, reason `aborted`) and frees its KV blocks; no effect once it
    /// has ended. While one of its steps is being computed the abort waits for that step's end
    /// (the step still writes into its blocks), then happens before anything else is planned.
    public func abort(_ id: RequestID) {
        core.withLock(broadcast: true) { core in
            guard let request = core.requests[id], !request.state.isTerminal else { return }
            if core.instances.contains(where: { $0.inFlight.contains(id) }) {
                core.pendingAborts.insert(id)
            } else {
                core.finish(request, reason: .aborted)
            }
        }
    }

    /// Blocks until every submitted request has finished or been rejected.
    public func waitUntilIdle() {
        core.wait { $0.isIdle }
    }

    /// Submits a workload at its arrival offsets (a `TimedSubmitter` on the engine's clock), then
    /// waits for it to end. Returns the request ids in arrival order.
    @discardableResult
    public func run(workload: [RequestSpec]) -> [RequestID] {
        start()
        let submitter = TimedSubmitter(engine: self, requests: workload)
        submitter.start()
        submitter.waitUntilDone()
        waitUntilIdle()
        return submitter.submittedIDs
    }

    /// Stops the instance threads after their current step; every request still open ends `aborted`.
    public func shutdown() {
        core.withLock(broadcast: true) { $0.threads.isStopping = true }
        core.waitUntil { core -> ConditionLocked<EngineCore>.Wait<Void> in
            guard core.threads.live == 0 else { return .sleep(until: nil) }
            core.abortAll()
            return .done(())
        }
        core.broadcast()
    }

    /// A cheap copy of instance and engine status for user interfaces.
    public func snapshot() -> EngineSnapshot { core.withLock { $0.snapshot() } }

    /// State of a request (nil if unknown).
    public func state(of id: RequestID) -> RequestState? { core.withLock { $0.requests[id]?.state } }

    // MARK: Worker threads

    /// One instance's worker. Its runner and arena are used outside the lock by this thread only.
    private func runLoop(_ id: InstanceID) {
        let instance = core.withLock { $0.instances[id] }
        pin(instance)
        while let plan = nextPlan(for: instance) {
            let result = StepExecutor.run(plan, runner: instance.runner, arena: instance.arena, clock: clock)
            let cpu = Int(pd_current_cpu())
            core.withLock(broadcast: true) { core in
                if cpu >= 0 { instance.coresObserved.insert(cpu) }
                core.complete(plan, result)
            }
        }
        core.withLock(broadcast: true) { $0.threads.live -= 1 }
    }

    /// The instance's next step, waiting until it has one; nil once the engine stops.
    private func nextPlan(for instance: Instance) -> StepPlan? {
        core.waitUntil { core -> ConditionLocked<EngineCore>.Wait<StepPlan?> in
            guard !core.threads.isStopping else { return .done(nil) }
            let now = core.clock.now()
            let version = core.eventCount
            if let plan = core.plan(instance, now: now) { return .done(plan) }
            // Planning changed something (queue housekeeping): others may now have work.
            if core.eventCount != version { return .wakeOthersAndRetry }
            guard let ready = core.nextReadyTime(instance, after: now) else { return .sleep(until: nil) }
            return .sleep(until: Date().addingTimeInterval(ready - now))
        }
    }

    private func pin(_ instance: Instance) {
        var message: String?
        if config.pinThreads && !instance.coresRequested.isEmpty {
            let status = instance.coresRequested.map(Int32.init).withUnsafeBufferPointer {
                pd_pin_current_thread($0.baseAddress, Int32($0.count))
            }
            if status != 0 {
                message = "could not pin \(instance.role.rawValue) instance #\(instance.id) to CPUs \(CoreSet(instance.coresRequested)) (error \(status)): running unpinned"
            }
        }
        var realtimeError: String?
        if instance.realtimeRequested {
            // Only pinned: a real-time thread that could land on any core might starve the rest.
            let status = message == nil ? pd_enter_realtime() : 0
            if message != nil || status != 0 {
                let reason = message != nil ? "it is not pinned" : status == EPERM ? "not permitted: needs root or CAP_SYS_NICE" : "error \(status)"
                realtimeError = "could not run decode instance #\(instance.id) at real-time priority (\(reason)): running it at normal priority"
            }
        }
        let cpu = Int(pd_current_cpu()), realtime = pd_is_realtime() != 0
        core.withLock(broadcast: true) { core in
            core.threads.placed += 1
            if cpu >= 0 { instance.coresObserved.insert(cpu) }
            instance.realtimeObserved = realtime
            if let message { instance.pinError = message; core.warnings.append(message) }
            if let realtimeError { core.warnings.append(realtimeError) }
        }
    }
}
