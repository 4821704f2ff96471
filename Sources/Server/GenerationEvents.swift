import Engine
import Foundation
import Synchronization

/// What one API request hears from the engine, in order.
public enum GenerationEvent: Sendable, Equatable {
    /// The request entered the engine with a prompt of this many tokens (always first).
    case admitted(promptTokens: Int)
    /// One sampled token's text; `finish` is set when this token ended the request.
    case token(index: Int, text: String, finish: FinishReason?)
    /// The request ended (after its last token, or alone when it was aborted or rejected).
    case finished(FinishReason, outputTokens: Int)
    case rejected(String)
}

/// An engine sink that hands each request's events to the stream registered for it, so one HTTP
/// handler sees only its own tokens. A token is held until the end of the step that produced it,
/// so the token that ends a request carries its finish reason (OpenAI puts `finish_reason` on the
/// last content chunk); tokens and the step end are emitted in one hold of the engine lock, so
/// this adds no waiting. Called on engine threads: it only appends and yields.
public final class RequestStreams: EngineEventSink, Sendable {
    private let state = Mutex(Routing())

    fileprivate struct Routing {
        var continuations: [RequestID: AsyncStream<GenerationEvent>.Continuation] = [:]
        var heldTokens: [RequestID: (index: Int, text: String)] = [:]
    }

    public init() {}

    /// Starts routing `id`'s events to a new stream. Call before any event of the request
    /// (`Engine.submit(_:register:)` gives the id in time).
    public func register(_ id: RequestID) -> AsyncStream<GenerationEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: GenerationEvent.self)
        state.withLock { $0.continuations[id] = continuation }
        return stream
    }

    /// Number of requests whose streams are still open.
    public var openCount: Int { state.withLock { $0.continuations.count } }

    public func receive(_ event: EngineEvent) {
        state.withLock { $0.route(event) }
    }
}

extension RequestStreams.Routing {
    mutating func route(_ event: EngineEvent) {
        switch event.kind {
        case .arrived(let id, _, let promptTokens):
            continuations[id]?.yield(.admitted(promptTokens: promptTokens))
        case .tokenEmitted(let id, let index, _, let text):
            guard let continuation = continuations[id] else { return }
            if let held = heldTokens[id] { continuation.yield(.token(index: held.index, text: held.text, finish: nil)) }
            heldTokens[id] = (index, text)
        case .stepEnded:
            for (id, held) in heldTokens { continuations[id]?.yield(.token(index: held.index, text: held.text, finish: nil)) }
            heldTokens.removeAll(keepingCapacity: true)
        case .finished(let id, let reason, let outputTokens):
            guard let continuation = continuations.removeValue(forKey: id) else { return }
            if let held = heldTokens.removeValue(forKey: id) {
                continuation.yield(.token(index: held.index, text: held.text, finish: reason))
            }
            continuation.yield(.finished(reason, outputTokens: outputTokens))
            continuation.finish()
        case .rejected(let id, let reason):
            guard let continuation = continuations.removeValue(forKey: id) else { return }
            continuation.yield(.rejected(reason))
            continuation.finish()
        default:
            break
        }
    }
}
