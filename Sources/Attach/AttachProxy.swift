import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// What the proxy saw of one request, for the dashboard's user rows and `--record`.
public struct ProxyEvent: Sendable {
    public enum Kind: Sendable {
        case arrived(user: String, prompt: String, maxTokens: Int)
        /// Sent to instance `index` (the scraper's order) as `role` ("prefill" or "decode"/"both").
        case routed(instance: Int, role: String)
        /// The prefill hop answered (P-first), with the prompt's token count from its usage: the
        /// decode hop starts now.
        case prefilled(instance: Int, promptTokens: Int?)
        case token(index: Int, text: String)
        case finished(reason: String, promptTokens: Int?, outputTokens: Int)
        case failed(String)
    }
    public var request: Int
    public var time: Double
    public var kind: Kind
}

/// `--listen`: an OpenAI-compatible endpoint in front of the attached servers. Each request is
/// timed per SSE chunk (TTFT at the first content chunk, one ITL per later one, as `vllm bench
/// serve` does). With prefill and decode servers it routes P-first with vLLM's disaggregated
/// proxy protocol: a non-streaming `max_tokens` 1 request with `kv_transfer_params`
/// `{"do_remote_decode": true}` to a prefill server, then the original request with the
/// `kv_transfer_params` it returned to a decode server, streamed back. Least-loaded server first.
public final class AttachProxy: Sendable {
    let scraper: Scraper
    let onEvent: @Sendable (ProxyEvent) -> Void
    private let lastID = Mutex(0)
    private let http: HTTPGet

    public init(scraper: Scraper, onEvent: @escaping @Sendable (ProxyEvent) -> Void) {
        self.scraper = scraper; self.onEvent = onEvent
        http = HTTPGet(timeout: 10)
    }

    /// Serves until the task is cancelled or SIGINT/SIGTERM; `onListening` gets the bound port.
    public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void) async throws {
        var logger = Logger(label: "pdscope.attach")
        // Its shutdown chatter would land on the dashboard's terminal; failures reach clients as 502s.
        logger.logLevel = .critical
        let app = Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "pdscope-attach"),
                              onServerRunning: { onListening($0.localAddress?.port ?? port) }, logger: logger)
        try await app.runService()
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/v1/models") { [self] _, _ in
            guard let target = pick(roles: ["decode", "both"]) ?? pick(roles: nil) else { return Self.error(502, "no server to ask") }
            do {
                let text = try await http.text(scraper.targets[target].url, "v1/models")
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
            } catch { return Self.error(502, "\(error)") }
        }
        for path in ["v1/completions", "v1/chat/completions"] {
            router.post(RouterPath(path)) { [self] request, _ in
                var request = request
                let body = try await request.collectBody(upTo: 32 << 20)
                guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
                    return Self.error(400, "the body is not a JSON object", type: "BadRequestError")
                }
                return await forward(json, path: path)
            }
        }
        return router
    }

    private func emit(_ id: Int, _ kind: ProxyEvent.Kind, at time: Double? = nil) {
        onEvent(ProxyEvent(request: id, time: time ?? scraper.now, kind: kind))
    }

    /// The least-loaded up server among `roles` (nil = any), by running + waiting; else the first such.
    func pick(roles: [String]?) -> Int? {
        let views = scraper.snapshot()
        let candidates = scraper.targets.indices.filter { i in roles.map { $0.contains(scraper.targets[i].role ?? views[i].role) } ?? true }
        let up = candidates.filter { views[$0].isUp }
        let load = { (i: Int) in (views[i].running ?? 0) + (views[i].waiting ?? 0) }
        return up.min { load($0) < load($1) } ?? candidates.first
    }

    private func forward(_ original: [String: Any], path: String) async -> Response {
        let id = lastID.withLock { $0 += 1; return $0 }
        let start = scraper.now
        let user = original["user"] as? String ?? "anonymous"
        let prompt = (original["prompt"] as? String)
            ?? ((original["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
        emit(id, .arrived(user: user, prompt: prompt, maxTokens: original["max_tokens"] as? Int ?? original["max_completion_tokens"] as? Int ?? 16))
        var request = original
        let isStream = original["stream"] as? Bool ?? false
        // Streams carry the token counts only if asked for; the client gets the usage chunk only if it asked.
        var streamOptions = original["stream_options"] as? [String: Any] ?? [:]
        let clientWantsUsage = streamOptions["include_usage"] as? Bool ?? false
        if isStream && !clientWantsUsage {
            streamOptions["include_usage"] = true
            request["stream_options"] = streamOptions
        }
        let prefill = pick(roles: ["prefill"]), decodeTarget = pick(roles: ["decode"])
        let decode: Int
        if let prefill, let decodeTarget {
            emit(id, .routed(instance: prefill, role: "prefill"))
            var first = original
            var prefillPrompt: Int?
            first["max_tokens"] = 1
            if first["max_completion_tokens"] != nil { first["max_completion_tokens"] = 1 }
            first["stream"] = false
            first.removeValue(forKey: "stream_options")
            first["kv_transfer_params"] = ["do_remote_decode": true, "do_remote_prefill": false, "remote_engine_id": NSNull(),
                                           "remote_block_ids": NSNull(), "remote_host": NSNull(), "remote_port": NSNull()] as [String: Any]
            do {
                let (status, data) = try await post(prefill, path, first)
                guard status == 200 else { return fail(id, status, data, server: prefill) }
                let answer = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                if let params = answer?["kv_transfer_params"], !(params is NSNull) { request["kv_transfer_params"] = params }
                prefillPrompt = (answer?["usage"] as? [String: Any])?["prompt_tokens"] as? Int
            } catch { return fail(id, 0, Data("\(error)".utf8), server: prefill) }
            emit(id, .prefilled(instance: prefill, promptTokens: prefillPrompt))
            decode = decodeTarget
        } else {
            guard let any = pick(roles: nil) else { emit(id, .failed("no server")); return Self.error(502, "no server") }
            decode = any
        }
        emit(id, .routed(instance: decode, role: scraper.targets[decode].role ?? "both"))
        guard let body = try? JSONSerialization.data(withJSONObject: request) else {
            emit(id, .failed("unencodable request"))   // every arrived request ends, in the users band and in --record
            return Self.error(400, "unencodable request")
        }
        let upstream = UpstreamStream(url: scraper.targets[decode].url.appendingPathComponent(path), body: body, timeout: 600, clock: { [scraper] in scraper.now })
        let parts = PartsIterator(upstream.parts.makeAsyncIterator())
        var status = 0
        do {
            if case .status(let s)? = try await parts.next() { status = s }
        } catch { return fail(id, 0, Data("\(error)".utf8), server: decode) }
        guard status == 200 else {
            var data = Data()
            while case .bytes(let chunk, _)? = try? await parts.next() { data.append(chunk) }
            return fail(id, status, data, server: decode)
        }
        let emitEvent: @Sendable (ProxyEvent.Kind, Double?) -> Void = { [self] kind, time in emit(id, kind, at: time) }
        let headers: HTTPFields = [.contentType: isStream ? "text/event-stream" : "application/json", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var timer = SSEChunkTimer(start: start)
            var usageFilter = isStream && !clientWantsUsage ? SSEUsageFilter() : nil
            var whole = Data()
            do {
                while let part = try await parts.next() {
                    guard case .bytes(let chunk, let arrived) = part else { continue }
                    if isStream {
                        let before = timer.chunks
                        let pieces = timer.feed(chunk, at: arrived)
                        for (i, piece) in pieces.enumerated() { emitEvent(.token(index: before + i, text: piece), arrived) }
                    } else { whole.append(chunk) }
                    if usageFilter != nil {
                        let passed = usageFilter!.feed(chunk)
                        if !passed.isEmpty { try await writer.write(ByteBuffer(bytes: passed)) }
                    } else {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                }
                if let rest = usageFilter?.finish(), !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
                if isStream {
                    emitEvent(.finished(reason: timer.finishReason ?? "stop", promptTokens: timer.usage?.prompt, outputTokens: timer.usage?.completion ?? timer.chunks), nil)
                } else {
                    let answer = (try? JSONSerialization.jsonObject(with: whole)) as? [String: Any]
                    let usage = answer?["usage"] as? [String: Any]
                    let choice = (answer?["choices"] as? [[String: Any]])?.first
                    let text = (choice?["text"] as? String) ?? ((choice?["message"] as? [String: Any])?["content"] as? String) ?? ""
                    emitEvent(.token(index: 0, text: text), nil)
                    emitEvent(.finished(reason: choice?["finish_reason"] as? String ?? "stop", promptTokens: usage?["prompt_tokens"] as? Int,
                                        outputTokens: usage?["completion_tokens"] as? Int ?? 1), nil)
                }
            } catch {
                emitEvent(.failed("\(error)"), nil)
            }
            try await writer.finish(nil)
        })
    }

    private func post(_ target: Int, _ path: String, _ json: [String: Any]) async throws -> (Int, Data) {
        let body = try JSONSerialization.data(withJSONObject: json)
        let upstream = UpstreamStream(url: scraper.targets[target].url.appendingPathComponent(path), body: body, timeout: 600, clock: { [scraper] in scraper.now })
        var status = 0, data = Data()
        for try await part in upstream.parts {
            switch part {
            case .status(let s): status = s
            case .bytes(let chunk, _): data.append(chunk)
            }
        }
        return (status, data)
    }

    /// 502 with the upstream's own message when it gave one.
    private func fail(_ id: Int, _ status: Int, _ data: Data, server: Int) -> Response {
        let upstream = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])
            .flatMap { ($0["error"] as? [String: Any])?["message"] as? String ?? $0["message"] as? String }
            ?? String(decoding: data.prefix(300), as: UTF8.self)
        let message = "upstream \(scraper.targets[server].url.absoluteString)" + (status > 0 ? " answered \(status): " : ": ") + upstream
        emit(id, .failed(message))
        return Self.error(502, message)
    }

    static func error(_ status: Int, _ message: String, type: String = "BadGatewayError") -> Response {
        let body: [String: Any] = ["error": ["message": message, "type": type, "param": NSNull(), "code": status] as [String: Any],
                                   "object": "error"]
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The upstream's parts, read by one task at a time (first the status, then the body in the response writer).
private actor PartsIterator {
    private var iterator: AsyncThrowingStream<UpstreamStream.Part, Error>.AsyncIterator
    init(_ iterator: AsyncThrowingStream<UpstreamStream.Part, Error>.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> UpstreamStream.Part? {
        // An actor's stored iterator cannot be advanced across an await in place: advance a copy.
        var copy = iterator
        defer { iterator = copy }
        return try await copy.next(isolation: self)
    }
}
