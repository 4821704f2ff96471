import Engine
import Foundation

/// Where engine threads leave events for the UI: `receive` appends under a lock held for one
/// array append, and the UI thread takes the whole batch once per frame with `drain()`. The engine
/// never waits for rendering. If the UI stops draining, the oldest half is dropped at `capacity`
/// (and counted) rather than growing without bound.
public final class EventInbox: EngineEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [EngineEvent] = []
    private var dropped = 0
    public let capacity: Int

    public init(capacity: Int = 1_000_000) { self.capacity = max(2, capacity) }

    public func receive(_ event: EngineEvent) {
        lock.lock()
        if events.count >= capacity {
            let half = capacity / 2
            events.removeFirst(half); dropped += half
        }
        events.append(event)
        lock.unlock()
    }

    /// Takes every pending event, oldest first, and how many were dropped since the last drain.
    public func drain() -> (events: [EngineEvent], droppedCount: Int) {
        lock.lock()
        defer { lock.unlock() }
        let batch = events, lost = dropped
        events = []; events.reserveCapacity(min(batch.count, 4096)); dropped = 0
        return (batch, lost)
    }
}
