import Foundation

/// Submits requests at their arrival offsets (divided by `speed`) counted on an engine clock from
/// `start()`, on a thread of its own, so the caller can watch, draw or take signals meanwhile.
/// The one timed submitter: `Engine.run`, headless runs and the dashboard's replay all use it.
/// Never drops a request (a late one is submitted at once); `stop()` leaves the rest unsubmitted.
public final class TimedSubmitter: Sendable {
    private struct Progress {
        var ids: [RequestID] = []
        var started = false
        var finished = false
        var stopping = false
    }

    private let clock: EngineClock
    private let requests: [RequestSpec]
    private let speed: Double
    private let submit: @Sendable (RequestSpec) -> RequestID
    /// Checked while waiting, for a stop set from a signal handler (which cannot take a lock).
    private let shouldStop: @Sendable () -> Bool
    private let progress = ConditionLocked(Progress())

    /// - Parameters:
    ///   - speed: arrival offsets are divided by this (2 = twice as fast).
    ///   - submit: hands one request to the engine; runs on the submitter's thread.
    public init(requests: [RequestSpec], speed: Double = 1, clock: EngineClock,
                shouldStop: @escaping @Sendable () -> Bool = { false },
                submit: @escaping @Sendable (RequestSpec) -> RequestID) {
        self.requests = requests.sorted { $0.arrivalOffset < $1.arrivalOffset }
        self.speed = speed; self.clock = clock; self.shouldStop = shouldStop; self.submit = submit
    }

    /// Submits straight to `engine`, on its clock.
    public convenience init(engine: Engine, requests: [RequestSpec], speed: Double = 1,
                            shouldStop: @escaping @Sendable () -> Bool = { false }) {
        self.init(requests: requests, speed: speed, clock: engine.clock, shouldStop: shouldStop) { engine.submit($0) }
    }

    /// How many requests have been handed over so far.
    public var submittedCount: Int { progress.withLock { $0.ids.count } }
    /// The ids of the submitted requests, in arrival order.
    public var submittedIDs: [RequestID] { progress.withLock { $0.ids } }
    /// True once every request is submitted or the submitter was stopped.
    public var isDone: Bool { progress.withLock { $0.finished } }

    /// Starts the thread; offsets count from `origin` (default: now on the clock). Once only.
    public func start(origin: Double? = nil) {
        let first = progress.withLock { p -> Bool in
            defer { p.started = true }
            return !p.started
        }
        guard first else { return }
        let origin = origin ?? clock.now()
        let thread = Thread { [self] in loop(origin: origin) }
        thread.name = "pdscope-submitter"
        thread.start()
    }

    /// Stops submitting without waiting for the thread.
    public func stop() {
        progress.withLock(broadcast: true) { p in
            p.stopping = true
            if !p.started { p.finished = true }
        }
    }

    /// Stops submitting and waits until no more requests will be submitted.
    public func stopAndWait() {
        stop()
        waitUntilDone()
    }

    /// Blocks until every request is submitted (or the submitter stopped).
    public func waitUntilDone() { progress.wait { $0.finished } }

    private func loop(origin: Double) {
        for spec in requests {
            let due = origin + spec.arrivalOffset / speed
            // Wait in the lock's condition so that `stop` cuts it short; in slices of at most
            // 0.1 s so that `shouldStop` is seen and the clock is read again (it is the engine's).
            let stop = progress.waitUntil { p -> ConditionLocked<Progress>.Wait<Bool> in
                if p.stopping || shouldStop() { return .done(true) }
                let wait = due - clock.now()
                return wait <= 0 ? .done(false) : .sleep(until: Date().addingTimeInterval(min(wait, 0.1)))
            }
            if stop { break }
            let id = submit(spec)
            progress.withLock { $0.ids.append(id) }
        }
        progress.withLock(broadcast: true) { $0.finished = true }
    }
}
