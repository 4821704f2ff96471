/// The engine's event stream: stamps each event with seconds since the engine started and hands it
/// to every sink. Guarded by the engine lock like the rest of the core.
final class EventStream {
    let clock: EngineClock
    let startTime: Double
    /// Events emitted so far; any state change emits one, so it doubles as a version.
    private(set) var count = 0
    private var sinks: [EngineEventSink] = []

    init(clock: EngineClock) {
        self.clock = clock
        startTime = clock.now()
    }

    func add(_ sink: EngineEventSink) { sinks.append(sink) }

    /// Seconds since the engine started, on its clock.
    func elapsed() -> Double { clock.now() - startTime }

    /// `time` is an absolute clock reading (a time measured during a step); nil means now.
    func emit(_ kind: EngineEvent.Kind, at time: Double? = nil) {
        count += 1
        let event = EngineEvent(time: time.map { $0 - startTime } ?? elapsed(), kind: kind)
        for sink in sinks { sink.receive(event) }
    }
}

extension Instance {
    /// Takes `count` blocks of this pool for `request` and says so; nil when they are not free.
    func allocate(_ count: Int, for request: RequestID, events: EventStream) -> [Int32]? {
        guard let blocks = pool.allocate(count, for: request) else { return nil }
        events.emit(.blocksAllocated(location: location, request: request, blocks: blocks))
        return blocks
    }

    /// Gives `blocks` of `request` back to this pool and says so.
    func free(_ blocks: [Int32], of request: RequestID, events: EventStream) {
        pool.free(blocks, from: request)
        events.emit(.blocksFreed(location: location, request: request, blocks: blocks))
    }
}
