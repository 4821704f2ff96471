import Engine
import Foundation
import Hummingbird

/// Runs one completion or chat request on the engine and answers it, streamed (SSE, one chunk per
/// token as it is produced) or whole. A client that goes away aborts its request.
struct GenerationHandler {
    let served: ServedEngine
    let modelName: String
    let isChat: Bool
    /// Called once with a summary when the request is over.
    let log: @Sendable (RequestSummary) -> Void

    struct RequestSummary: Sendable {
        var requestID: Int
        var user: String
        var promptTokens: Int
        var completionTokens: Int
        var finish: FinishReason
        var ttft: Double?
        var seconds: Double
        var streamed: Bool
    }

    func respond(to request: GenerationRequest, user: String) async throws -> Response {
        let prompt: String
        switch request.input {
        case .prompt(let text): prompt = text
        case .chat(let turns):
            do { prompt = try served.renderChat(turns) } catch let error as APIError { throw error } catch {
                throw APIError.invalid("The messages could not be rendered with the model's chat template: \(error)", param: "messages")
            }
        }
        let spec = RequestSpec(user: user, prompt: .text(prompt), maxTokens: request.maxTokens ?? served.contextLength,
                               sampling: request.sampling, stop: request.stop, ignoreEOS: request.ignoreEOS)
        let started = served.now
        let (id, stream) = try served.submit(spec)
        let reader = EventReader(stream)
        guard case .admitted(let promptTokens) = await reader.next() else {
            throw APIError.internalError("request \(id) got no admission event")
        }
        if case .rejected(let reason) = served.engine.state(of: id) { throw rejection(reason, promptTokens: promptTokens) }
        let shape = ResponseShape(isChat: isChat, model: modelName, requestID: id)
        let summary = RequestSummary(requestID: id, user: user, promptTokens: promptTokens, completionTokens: 0,
                                     finish: .aborted, ttft: nil, seconds: 0, streamed: request.stream)
        guard request.stream else {
            return try await whole(request, id: id, reader: reader, shape: shape, summary: summary, started: started)
        }
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { [served, log] writer in
            var summary = summary
            var filter = StopTextFilter(stops: request.stop)
            var sentFirst = false, sentFinish = false
            do {
                while let event = await reader.next() {
                    switch event {
                    case .token(_, let text, let finish):
                        summary.completionTokens += 1
                        var visible = filter.push(text)
                        if finish != nil { visible += filter.flush() }
                        if visible.isEmpty && finish == nil { continue }
                        if summary.ttft == nil { summary.ttft = served.now - started }
                        try await writer.write(SSE.event(shape.chunk(text: visible, withRole: !sentFirst, finish: finish,
                                                                     stopString: filter.matched)))
                        sentFirst = true
                        sentFinish = finish != nil
                    case .finished(let reason, let outputTokens):
                        summary.finish = reason
                        summary.completionTokens = outputTokens
                        if !sentFinish {
                            try await writer.write(SSE.event(shape.chunk(text: filter.flush(), withRole: !sentFirst,
                                                                         finish: reason, stopString: filter.matched)))
                        }
                        if request.includeUsage {
                            try await writer.write(SSE.event(shape.usageChunk(prompt: promptTokens, completion: outputTokens)))
                        }
                        try await writer.write(SSE.done)
                    case .admitted, .rejected:
                        break
                    }
                }
                try await writer.finish(nil)
            } catch {
                served.abort(id)   // the client went away: free its KV now
                // The engine's own count (tokens computed before the abort took effect) for the log.
                while let event = await reader.next() {
                    if case .finished(let reason, let outputTokens) = event { summary.finish = reason; summary.completionTokens = outputTokens }
                }
                summary.seconds = served.now - started
                log(summary)
                throw error
            }
            summary.seconds = served.now - started
            log(summary)
        })
    }

    /// Non-streamed: wait for the end, answer with the whole text and usage.
    private func whole(_ request: GenerationRequest, id: Int, reader: EventReader, shape: ResponseShape,
                       summary: RequestSummary, started: Double) async throws -> Response {
        var summary = summary
        var filter = StopTextFilter(stops: request.stop)
        var text = ""
        let result: Response? = await withTaskCancellationHandler {
            while let event = await reader.next() {
                switch event {
                case .token(_, let piece, _):
                    if summary.ttft == nil { summary.ttft = served.now - started }
                    text += filter.push(piece)
                case .finished(let reason, let outputTokens):
                    text += filter.flush()
                    summary.finish = reason
                    summary.completionTokens = outputTokens
                    summary.seconds = served.now - started
                    log(summary)
                    return JSON.response(shape.full(text: text, finish: reason, stopString: filter.matched,
                                                    prompt: summary.promptTokens, completion: outputTokens))
                case .admitted, .rejected:
                    break
                }
            }
            return nil
        } onCancel: { [served] in served.abort(id) }
        guard let result else { throw APIError.internalError("request \(id) ended without a finish") }
        return result
    }

    /// The engine's reason for not taking a request, as the right status: the client's fault
    /// (empty or too long a prompt) is 400, anything else 503 with Retry-After.
    private func rejection(_ reason: String, promptTokens: Int) -> APIError {
        if promptTokens > served.contextLength {
            return .invalid("This model's maximum context length is \(served.contextLength) tokens. However, your prompt has \(promptTokens) tokens (\(reason)).",
                            param: isChat ? "messages" : "prompt")
        }
        if promptTokens == 0 { return .invalid("The prompt is empty (\(reason)).", param: isChat ? "messages" : "prompt") }
        return .unavailable("The engine did not admit the request: \(reason).")
    }
}
