import CPlatform
import Foundation
import Model

/// The PD engine: pinned instances, each a worker thread running schedule → run model → update in
/// a loop, sharing one lock for scheduling state (never held during model compute). Wire it up,
/// `start()`, `submit` requests from any thread, watch events through sinks or `snapshot()`.
public final class Engine {
    let core: EngineCore
    private let condition = NSCondition()
    private var isStarted = false
    private var isStopping = false
    private var liveThreads = 0

    /// Builds every instance (its runner via `runnerFactory`, its KV arena). Throws on bad settings.
    public init(config: EngineConfig, clock: EngineClock = MonotonicClock(),
                runnerFactory: (InstancePlacement) throws -> ModelRunner) throws {
        core = try EngineBuilder.makeCore(config: config, clock: clock, pinning: config.pinThreads,
                                          runnerFactory: runnerFactory)
    }

    public var config: EngineConfig { core.config }
    /// The clock events are stamped with; timed submission runs on it too.
    public var clock: EngineClock { core.clock }
    /// Fallbacks and oddities noticed while placing instances (fewer cores than asked, ...).
    public var warnings: [String] { locked { core.warnings } }
    /// The model's context length and name.
    public var contextLength: Int { core.contextLength }
    public var modelName: String { core.front.modelName }

    /// Adds an event consumer. Add sinks before `start()` to see every event.
    public func addSink(_ sink: EngineEventSink) { locked { core.addSink(sink) } }

    /// Starts one thread per instance, pinned to its cores.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !isStarted else { return }
        isStarted = true
        for instance in core.instances {
            liveThreads += 1
            let thread = Thread { [self] in self.runLoop(instance) }
            thread.name = "pdscope-\(instance.role.rawValue)-\(instance.id)"
            thread.start()
        }
    }

    /// Hands a request to the router now (its `arrivalOffset` is the caller's business). Thread-safe.
    @discardableResult
    public func submit(_ spec: RequestSpec) -> RequestID {
        locked {
            let id = core.admit(spec)
            condition.broadcast()
            return id
        }
    }

    /// Ends a request early (finished, reason `aborted`) and frees its KV blocks; no effect once it
    /// has ended. While one of its steps is being computed the abort waits for that step's end
    /// (the step still writes into its blocks), then happens before anything else is planned.
    public func abort(_ id: RequestID) {
        locked {
            guard let request = core.requests[id], !request.state.isTerminal else { return }
            if core.instances.contains(where: { $0.inFlight.contains(id) }) {
                core.pendingAborts.insert(id)
            } else {
                core.finish(request, reason: .aborted)
            }
            condition.broadcast()
        }
    }

    /// Like `submit`, but first calls `register` with the id the request will get, under the
    /// engine lock and before any event of it, so an observer keyed by id misses none.
    @discardableResult
    public func submit(_ spec: RequestSpec, register: (RequestID) -> Void) -> RequestID {
        locked {
            register(core.nextRequestID)
            let id = core.admit(spec)
            condition.broadcast()
            return id
        }
    }

    /// Blocks until every submitted request has finished or been rejected.
    public func waitUntilIdle() {
        condition.lock()
        while !core.isIdle { condition.wait() }
        condition.unlock()
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
        condition.lock()
        isStopping = true
        condition.broadcast()
        while liveThreads > 0 { condition.wait() }
        core.abortAll()
        condition.broadcast()
        condition.unlock()
    }

    /// A cheap copy of instance and engine status for user interfaces.
    public func snapshot() -> EngineSnapshot { locked { core.snapshot() } }

    /// State of a request (nil if unknown).
    public func state(of id: RequestID) -> RequestState? { locked { core.requests[id]?.state } }

    // MARK: Worker threads

    private func runLoop(_ instance: Instance) {
        pin(instance)
        condition.lock()
        while !isStopping {
            let now = core.clock.now()
            let version = core.eventCount
            if var plan = core.plan(instance, now: now) {
                condition.unlock()
                StepExecutor.run(&plan, clock: core.clock)
                let cpu = Int(pd_current_cpu())
                condition.lock()
                if cpu >= 0 { instance.coresObserved.insert(cpu) }
                core.complete(plan)
                condition.broadcast()
            } else if core.eventCount != version {
                condition.broadcast()
            } else if let ready = core.nextReadyTime(instance, after: now) {
                _ = condition.wait(until: Date().addingTimeInterval(ready - now))
            } else {
                condition.wait()
            }
        }
        liveThreads -= 1
        condition.broadcast()
        condition.unlock()
    }

    private func pin(_ instance: Instance) {
        var message: String?
        if core.config.pinThreads && !instance.coresRequested.isEmpty {
            let status = instance.coresRequested.map(Int32.init).withUnsafeBufferPointer {
                pd_pin_current_thread($0.baseAddress, Int32($0.count))
            }
            if status != 0 {
                message = "could not pin \(instance.role.rawValue) instance #\(instance.id) to CPUs \(CoreSet(instance.coresRequested)) (error \(status)): running unpinned"
            }
        }
        let cpu = Int(pd_current_cpu())
        locked {
            if cpu >= 0 { instance.coresObserved.insert(cpu) }
            if let message { instance.pinError = message; core.warnings.append(message) }
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }
}
