import Foundation

/// Submits requests at their arrival offsets (divided by `speed`) counted on an engine clock from
/// `start()`, on a thread of its own, so the caller can watch, draw or take signals meanwhile.
/// The one timed submitter: `Engine.run`, headless runs and the dashboard's replay all use it.
/// Never drops a request (a late one is submitted at once); `stop()` leaves the rest unsubmitted.
public final class TimedSubmitter: @unchecked Sendable {
    private let clock: EngineClock
    private let requests: [RequestSpec]
    private let speed: Double
    private let submit: (RequestSpec) -> RequestID
    /// Checked while waiting, for a stop set from a signal handler (which cannot take a lock).
    private let shouldStop: () -> Bool
    private let condition = NSCondition()
    private var ids: [RequestID] = []
    private var started = false
    private var finished = false
    private var stopping = false

    /// - Parameters:
    ///   - speed: arrival offsets are divided by this (2 = twice as fast).
    ///   - submit: hands one request to the engine; runs on the submitter's thread.
    public init(requests: [RequestSpec], speed: Double = 1, clock: EngineClock,
                shouldStop: @escaping () -> Bool = { false }, submit: @escaping (RequestSpec) -> RequestID) {
        self.requests = requests.sorted { $0.arrivalOffset < $1.arrivalOffset }
        self.speed = speed; self.clock = clock; self.shouldStop = shouldStop; self.submit = submit
    }

    /// Submits straight to `engine`, on its clock.
    public convenience init(engine: Engine, requests: [RequestSpec], speed: Double = 1, shouldStop: @escaping () -> Bool = { false }) {
        self.init(requests: requests, speed: speed, clock: engine.clock, shouldStop: shouldStop) { engine.submit($0) }
    }

    /// How many requests have been handed over so far.
    public var submittedCount: Int { condition.lock(); defer { condition.unlock() }; return ids.count }
    /// The ids of the submitted requests, in arrival order.
    public var submittedIDs: [RequestID] { condition.lock(); defer { condition.unlock() }; return ids }
    /// True once every request is submitted or the submitter was stopped.
    public var isDone: Bool { condition.lock(); defer { condition.unlock() }; return finished }

    /// Starts the thread; offsets count from `origin` (default: now on the clock). Once only.
    public func start(origin: Double? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard !started else { return }
        started = true
        let origin = origin ?? clock.now()
        let thread = Thread { [self] in loop(origin: origin) }
        thread.name = "pdscope-submitter"
        thread.start()
    }

    /// Stops submitting without waiting for the thread.
    public func stop() {
        condition.lock()
        stopping = true
        if !started { finished = true }
        condition.broadcast()
        condition.unlock()
    }

    /// Stops submitting and waits until no more requests will be submitted.
    public func stopAndWait() {
        stop()
        waitUntilDone()
    }

    /// Blocks until every request is submitted (or the submitter stopped).
    public func waitUntilDone() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop(origin: Double) {
        for spec in requests {
            let due = origin + spec.arrivalOffset / speed
            condition.lock()
            // Wait in the condition so that `stop` cuts it short; in slices of at most 0.1 s so
            // that `shouldStop` is seen and the clock is read again (it is the engine's, not ours).
            while !stopping && !shouldStop() {
                let wait = due - clock.now()
                if wait <= 0 { break }
                _ = condition.wait(until: Date().addingTimeInterval(min(wait, 0.1)))
            }
            let stop = stopping || shouldStop()
            condition.unlock()
            if stop { break }
            let id = submit(spec)
            condition.lock(); ids.append(id); condition.unlock()
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
