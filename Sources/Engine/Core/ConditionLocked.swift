import Foundation

/// A value reachable only while holding its lock, with a condition to sleep on until it changes
/// (in the spirit of NIO's `NIOLockedValueBox` and `ConditionLock`). Whoever changes the value
/// in a way others wait for says so with `broadcast: true`.
final class ConditionLocked<Value>: @unchecked Sendable {  // `value` is only touched with `condition` locked
    /// What a waiting body decided: done with a result, sleep (until a deadline, or until woken),
    /// or wake every waiter and run again at once (it changed what others wait for).
    enum Wait<Result> {
        case done(Result)
        case sleep(until: Date?)
        case wakeOthersAndRetry
    }

    private let condition = NSCondition()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with the value under the lock; `broadcast` wakes every waiter afterwards.
    func withLock<Result>(broadcast: Bool = false, _ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            if broadcast { condition.broadcast() }
            condition.unlock()
        }
        return try body(&value)
    }

    /// Runs `body` under the lock until it is done, sleeping (the lock released) whenever it asks.
    /// A sleep may end early or spuriously: `body` runs again and decides.
    func waitUntil<Result>(_ body: (inout Value) -> Wait<Result>) -> Result {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch body(&value) {
            case .done(let result): return result
            case .sleep(until: let deadline?): _ = condition.wait(until: deadline)
            case .sleep(until: nil): condition.wait()
            case .wakeOthersAndRetry: condition.broadcast()
            }
        }
    }

    /// Sleeps until `ready` holds for the value (checked under the lock after every wake-up).
    func wait(until ready: (Value) -> Bool) {
        waitUntil { value -> Wait<Void> in ready(value) ? .done(()) : .sleep(until: nil) }
    }

    /// Wakes every waiter (their bodies run again).
    func broadcast() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}
