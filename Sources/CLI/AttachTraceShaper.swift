import Attach
import Engine

/// Turns what the `--listen` proxy saw of each request into the engine events of a pdscope trace,
/// so that `pdscope replay` of an attach recording reruns that traffic on the in-process engine.
///
/// A request is written as one block when it ends, not event by event: only then are its real
/// prompt and output lengths known (the upstream's `usage`), and the `arrived` event's spec must
/// already say what a replay should run. Times stay the real ones, so blocks of overlapping
/// requests are not in time order across requests; every reader (replay's workload, the metrics,
/// the comparison table) keys events by request.
///
/// What a replay runs, per recorded request:
/// - the prompt as `prompt_tokens` synthetic tokens when the upstream reported its prompt token
///   count (the exact prefill load, whatever the real model's tokenizer and chat template), else
///   the prompt text (tokenized by the replaying model);
/// - `max_tokens` = the real output token count with `ignore_eos`, so the replay decodes exactly
///   as many tokens as the real server did (the replaying model's own stop would change the load);
/// - arriving at the real arrival time, for the recorded user.
/// Prompt and output texts are not kept (a trace of real traffic should not hold users' text when
/// counts are enough); token events keep their real times for the replay-vs-recording table.
/// Failed requests and requests still open when the recording stops are left out: their load is
/// not known. `leftOut` counts them.
struct AttachTraceShaper {
    private struct Open {
        var arrival: Double
        var user: String
        var prompt: String
        var routes: [(time: Double, instance: Int, role: String)] = []
        var tokenTimes: [Double] = []
        /// The prefill hop's count (P-first), if the stream's own usage does not come.
        var prefillPromptTokens: Int?
    }

    private var open: [Int: Open] = [:]
    /// Requests that failed (never written).
    private(set) var failed = 0

    /// Requests seen but not finished yet.
    var openCount: Int { open.count }

    /// Buffers `event`; returns the whole request's trace events when it finished, else [].
    mutating func receive(_ event: ProxyEvent) -> [EngineEvent] {
        let id = event.request
        switch event.kind {
        case let .arrived(user, prompt, _):
            open[id] = Open(arrival: event.time, user: user, prompt: prompt)
        case let .routed(instance, role):
            open[id]?.routes.append((event.time, instance, role))
        case let .prefilled(_, promptTokens):
            open[id]?.prefillPromptTokens = promptTokens
        case .token:
            open[id]?.tokenTimes.append(event.time)
        case .failed:
            if open.removeValue(forKey: id) != nil { failed += 1 }
        case let .finished(reason, promptTokens, outputTokens):
            guard let request = open.removeValue(forKey: id) else { return [] }
            return Self.block(id: id, request, end: event.time, reason: reason, promptTokens: promptTokens ?? request.prefillPromptTokens,
                              outputTokens: outputTokens)
        }
        return []
    }

    private static func block(id: Int, _ r: Open, end: Double, reason: String, promptTokens: Int?, outputTokens: Int) -> [EngineEvent] {
        let output = max(1, outputTokens)
        let prompt: RequestSpec.Prompt
        if let count = promptTokens, count > 0 {
            prompt = .synthetic(count: count, prefixKeys: [], segmentTokens: 512)
        } else if !r.prompt.isEmpty {
            prompt = .text(r.prompt)
        } else {
            prompt = .synthetic(count: 1, prefixKeys: [], segmentTokens: 512)
        }
        let spec = RequestSpec(arrivalOffset: r.arrival, user: r.user, prompt: prompt, maxTokens: output, ignoreEOS: true)
        var events = [EngineEvent(time: r.arrival, kind: .arrived(request: id, spec: spec, promptTokens: max(0, promptTokens ?? 0)))]
        for route in r.routes {
            let role = InstanceRole(rawValue: route.role) ?? .both
            events.append(EngineEvent(time: route.time, kind: .routed(request: id, instance: route.instance, role: role, reason: "least load")))
            events.append(EngineEvent(time: route.time, kind: .queued(request: id, instance: route.instance)))
        }
        for (i, time) in r.tokenTimes.enumerated() {
            events.append(EngineEvent(time: time, kind: .tokenEmitted(request: id, index: i, token: -1, text: "")))
        }
        let finish: FinishReason = reason == "length" ? .length : reason == "abort" ? .aborted : .stop
        events.append(EngineEvent(time: end, kind: .finished(request: id, reason: finish, outputTokens: output)))
        return events
    }
}
