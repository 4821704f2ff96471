import Foundation

/// Where the engine reads time. Real runs use `MonotonicClock`; tests and simulations use
/// `ManualClock`, which only moves when told to (swift-nio's `EmbeddedEventLoop.advanceTime(by:)`).
public protocol EngineClock: AnyObject, Sendable {
    /// Seconds on a monotonic scale; only differences matter.
    func now() -> Double
    /// CPU time the calling thread has run, in seconds (only differences matter), or nil when this
    /// clock's time is not the machine's (then a step's time off the CPU is not measured).
    func threadCPUTime() -> Double?
}

extension EngineClock {
    public func threadCPUTime() -> Double? { nil }
}

/// The monotonic system clock (`CLOCK_MONOTONIC`), which never jumps with wall-clock changes.
public final class MonotonicClock: EngineClock {
    public init() {}
    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// `CLOCK_THREAD_CPUTIME_ID`. On a guest with paravirtual time accounting (KVM), time the host
    /// took the vCPU for (steal) is not counted, so wall time minus this is time the thread could
    /// not run: the host's steal, other tasks on its core, or (an instance with pool workers) its
    /// wait for them past their spin.
    public func threadCPUTime() -> Double? {
        var ts = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 else { return nil }
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// A clock that stands still until advanced. A fake model runner advances it by its scripted step
/// cost, so scheduling tests are exact and need no sleeps.
public final class ManualClock: EngineClock {
    private let current: ConditionLocked<Double>

    public init(start: Double = 0) { current = ConditionLocked(start) }

    public func now() -> Double { current.withLock { $0 } }

    /// Moves time forward by `seconds` (negative values are ignored).
    public func advanceTime(by seconds: Double) { current.withLock { $0 += max(seconds, 0) } }

    /// Sets the time. The simulator uses this to run each instance on its own timeline, so it may
    /// move backwards between instances; a single instance's timeline never does.
    public func set(to seconds: Double) { current.withLock { $0 = seconds } }
}
