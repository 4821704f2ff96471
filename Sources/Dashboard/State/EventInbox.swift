import Engine
import Foundation
import Synchronization

/// Where engine threads leave events for the UI: `receive` appends under a lock held for one
/// array append, and the UI thread takes the whole batch once per frame with `drain()`. The engine
/// never waits for rendering. If the UI stops draining, the oldest half is dropped at `capacity`
/// (and counted) rather than growing without bound.
public final class EventInbox: EngineEventSink, Sendable {
    private let state = Mutex(Pending())
    public let capacity: Int

    private struct Pending {
        var events: [EngineEvent] = []
        var dropped = 0
    }

    public init(capacity: Int = 1_000_000) { self.capacity = max(2, capacity) }

    public func receive(_ event: EngineEvent) {
        state.withLock { s in
            if s.events.count >= capacity {
                let half = capacity / 2
                s.events.removeFirst(half); s.dropped += half
            }
            s.events.append(event)
        }
    }

    /// Takes every pending event, oldest first, and how many were dropped since the last drain.
    public func drain() -> (events: [EngineEvent], droppedCount: Int) {
        state.withLock { s in
            let batch = s.events, lost = s.dropped
            s.events = []; s.events.reserveCapacity(min(batch.count, 4096)); s.dropped = 0
            return (batch, lost)
        }
    }
}
