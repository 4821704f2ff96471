import Engine
import Foundation
import Synchronization

/// Turns a list of chat messages into the prompt text (the model's chat template). Provided by
/// whoever wires the server to a model.
public typealias ChatRenderer = @Sendable ([ChatTurn]) throws -> String

/// The engine as the HTTP side uses it: submit a request and get its own event stream, abort it,
/// read metrics. Add it before the engine starts so its sinks see every event.
public final class ServedEngine: Sendable {
    public let engine: Engine
    public let streams = RequestStreams()
    public let metrics: ServingMetrics
    public let contextLength: Int
    let renderChat: ChatRenderer
    private let clock = MonotonicClock()
    /// `clock.now()` when the engine started, so arrival offsets match event times (recordings).
    private let origin: Double
    private let accepting = Mutex(true)

    public init(engine: Engine, servedModelName: String, renderChat: @escaping ChatRenderer) {
        self.engine = engine
        self.renderChat = renderChat
        contextLength = engine.contextLength
        let snapshot = engine.snapshot()
        origin = clock.now() - snapshot.time
        metrics = ServingMetrics(modelName: servedModelName, instances: snapshot.instances.map { ($0.id, $0.role) },
                                 kvBlocks: Dictionary(snapshot.instances.map { ($0.id, $0.kvBlocks) }, uniquingKeysWith: { a, _ in a }),
                                 blockSize: engine.config.blockSize)
        engine.addSink(streams)
        engine.addSink(metrics)
    }

    /// Seconds since the engine started, on the engine's clock.
    public var now: Double { clock.now() - origin }

    public var isAccepting: Bool { accepting.withLock { $0 } }

    /// New requests get 503 from now on (shutdown).
    public func stopAccepting() { accepting.withLock { $0 = false } }

    /// Submits `spec`; its events arrive on the returned stream, starting with `admitted`.
    public func submit(_ spec: RequestSpec) throws -> (RequestID, AsyncStream<GenerationEvent>) {
        guard isAccepting else { throw APIError.unavailable("The server is shutting down.", retryAfter: 5) }
        var stamped = spec
        stamped.arrivalOffset = now
        var stream: AsyncStream<GenerationEvent>?
        let id = engine.submit(stamped) { id in stream = streams.register(id) }
        return (id, stream!)
    }

    /// Ends the request and frees its KV (at the end of its step if one is being computed).
    public func abort(_ id: RequestID) { engine.abort(id) }
}

/// Reads one request's events across the handler and its response-body writer.
actor EventReader {
    private var iterator: AsyncStream<GenerationEvent>.AsyncIterator
    init(_ stream: AsyncStream<GenerationEvent>) { iterator = stream.makeAsyncIterator() }
    func next() async -> GenerationEvent? {
        // An actor's stored iterator cannot be advanced across an await in place: advance a copy.
        var copy = iterator
        defer { iterator = copy }
        return await copy.next(isolation: self)
    }
}
