import Attach
import Dashboard
import Engine
import Synchronization

/// The proxy's view of a request as the dashboard's engine events, so user rows, TTFT/ITL and the
/// summary line come from the same reducer as for the in-process engine.
enum AttachUserEvents {
    /// `panelOfTarget`: the dashboard instance of each attached server (its first panel).
    static func events(_ e: ProxyEvent, panelOfTarget: [Int] = []) -> [EngineEvent] {
        let id = RequestID(e.request)
        func event(_ kind: EngineEvent.Kind) -> EngineEvent { EngineEvent(time: e.time, kind: kind) }
        switch e.kind {
        case let .arrived(user, prompt, maxTokens):
            // The prompt's token count comes later, from the upstream's usage (a note).
            return [event(.arrived(request: id, spec: RequestSpec(arrivalOffset: e.time, user: user, prompt: .text(prompt), maxTokens: maxTokens),
                                   promptTokens: 0))]
        case let .routed(target, role):
            let instance = target < panelOfTarget.count ? panelOfTarget[target] : target
            return [event(.routed(request: id, instance: instance, role: InstanceRole(rawValue: role) ?? .both, reason: "least load")),
                    event(.queued(request: id, instance: instance))]
        case .prefilled:
            return []
        case let .token(index, text):
            return [event(.tokenEmitted(request: id, index: index, token: -1, text: text))]
        case let .finished(reason, _, outputTokens):
            let finish: FinishReason = reason == "length" ? .length : reason == "abort" ? .aborted : .stop
            return [event(.finished(request: id, reason: finish, outputTokens: outputTokens))]
        case let .failed(message):
            return [event(.rejected(request: id, reason: message))]
        }
    }

    /// What the event tells beyond the engine events: the prompt's token count (the prefill hop's
    /// or the stream's usage) and the P-first hop times that split the user's TTFT.
    static func note(_ e: ProxyEvent) -> RequestNote? {
        switch e.kind {
        case let .prefilled(_, promptTokens):
            return RequestNote(request: e.request, promptTokens: promptTokens, prefillEnd: e.time)
        case let .routed(_, role) where role != "prefill":
            return RequestNote(request: e.request, decodeStart: e.time)
        case let .finished(_, promptTokens?, _):
            return RequestNote(request: e.request, promptTokens: promptTokens)
        default:
            return nil
        }
    }
}

/// Notes from proxy threads, taken by the dashboard once per frame (`requestNoteSource`).
final class RequestNoteQueue: Sendable {
    private let notes = Mutex<[RequestNote]>([])
    func add(_ note: RequestNote) { notes.withLock { $0.append(note) } }
    func drain() -> [RequestNote] { notes.withLock { n in defer { n = [] }; return n } }
}
