import Foundation
import Synchronization

/// Moves a value that is not Sendable to another thread, once. `sending` has the compiler check
/// that the giver keeps no reference to it.
final class Handoff<Value>: Sendable {
    private let slot: Mutex<Value?>
    init(_ value: sending Value) { slot = Mutex(value) }
    /// The value the first time; nil after.
    func take() -> sending Value? { slot.withLock { $0.take() } }
}

/// State shared between threads, with waits until it is ready. A Mutex holds the state (so every
/// access is checked); an NSCondition wakes waiters. Changes also hold the condition's lock, so a
/// waiter cannot miss one between its check and its sleep.
final class WatchedState<State: Sendable>: Sendable {
    private let state: Mutex<State>
    private let changed = NSCondition()

    init(_ initial: State) { state = Mutex(initial) }

    func read<R: Sendable>(_ body: (State) -> R) -> R { state.withLock { body($0) } }

    /// Changes the state and wakes every waiter.
    func update<R: Sendable>(_ body: (inout State) -> R) -> R {
        changed.lock()
        defer { changed.broadcast(); changed.unlock() }
        return state.withLock { body(&$0) }
    }

    /// Waits until `ready` gives a value, or until `deadline` passes (then nil).
    func wait<R: Sendable>(until deadline: Date? = nil, _ ready: (State) -> R?) -> R? {
        changed.lock()
        defer { changed.unlock() }
        while true {
            if let value = state.withLock({ ready($0) }) { return value }
            if let deadline {
                if !changed.wait(until: deadline) { return state.withLock { ready($0) } }
            } else {
                changed.wait()
            }
        }
    }
}
