import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The OpenAI-compatible HTTP server (Hummingbird on SwiftNIO) in front of a `ServedEngine`.
/// `run` serves until SIGINT or SIGTERM, then stops taking requests, ends the open ones as
/// aborted (their streams close with `finish_reason: "abort"`) and returns.
public enum APIServer {
    /// `log` gets one line per request; `onListening` the address once the socket is bound
    /// (port 0 picks a free port).
    /// `stop` (optional) stops it from outside, as a signal would; with `handlesSignals` false
    /// SIGINT and SIGTERM are left to someone else (the dashboard, which then calls `stop`).
    public static func run(settings: ServeSettings, served: ServedEngine,
                           log: @escaping @Sendable (String) -> Void,
                           onListening: @escaping @Sendable (String, Int) -> Void,
                           stop: ServerStopHandle? = nil, handlesSignals: Bool = true) async throws {
        var logger = Logger(label: "pdscope.serve")
        logger.logLevel = .error
        let router = makeRouter(settings: settings, served: served, log: log)
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(settings.idleTimeoutSeconds * 1000)))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "pdscope"),
            onServerRunning: { channel in
                onListening(settings.host, channel.localAddress?.port ?? settings.port)
            },
            logger: logger)
        let drain = DrainService(served: served)
        let group = ServiceGroup(configuration: .init(services: [app, drain],
                                                      gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
                                                      logger: logger))
        stop?.set { await group.triggerGracefulShutdown() }
        try await group.run()
    }

    static func makeRouter(settings: ServeSettings, served: ServedEngine,
                           log: @escaping @Sendable (String) -> Void) -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: APIMiddleware(apiKey: settings.apiKey, maxBodyBytes: settings.maxBodyBytes, log: log))
        let started = Int(Date().timeIntervalSince1970)
        router.get("/health") { _, _ in Response(status: .ok) }
        router.get("/version") { _, _ in JSON.response(["version": settings.version]) }
        router.get("/v1/models") { _, _ in
            JSON.response(["object": "list", "data": [[
                "id": settings.servedModelName, "object": "model", "created": started, "owned_by": "pdscope",
                "root": settings.modelRoot, "parent": NSNull(), "max_model_len": served.contextLength,
            ] as [String: Any]]])
        }
        router.get("/metrics") { _, _ in
            let text = served.metrics.exposition(snapshot: served.engine.snapshot())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        for (path, isChat) in [("/v1/completions", false), ("/v1/chat/completions", true)] {
            router.post(RouterPath(path)) { request, context in
                var request = request
                let body = try await request.collectBody(upTo: settings.maxBodyBytes)
                let parsed = try GenerationRequest.parse(Data(buffer: body), isChat: isChat)
                if let model = parsed.model, model != settings.servedModelName, model != settings.modelRoot {
                    throw APIError.notFound("The model `\(model)` does not exist.", param: "model", code: "model_not_found")
                }
                let handler = GenerationHandler(served: served, modelName: settings.servedModelName, isChat: isChat) { summary in
                    log(Self.line(path: path, summary: summary))
                }
                return try await handler.respond(to: parsed, user: parsed.user ?? context.clientAddress)
            }
        }
        return router
    }

    static func line(path: String, summary s: GenerationHandler.RequestSummary) -> String {
        let ttft = s.ttft.map { String(format: "%.3fs", $0) } ?? "-"
        let e2e = String(format: "%.3fs", s.seconds)
        let finish = ResponseShape.finishReason(s.finish)
        return "POST \(path) 200 #\(s.requestID) user=\(s.user) prompt=\(s.promptTokens) completion=\(s.completionTokens) finish=\(finish) ttft=\(ttft) e2e=\(e2e)\(s.streamed ? " stream" : "")"
    }
}

/// Stops a running server from another thread (as SIGTERM would); a stop before the server runs
/// takes effect as soon as it does.
public final class ServerStopHandle: Sendable {
    private let state = Mutex<(action: (@Sendable () async -> Void)?, requested: Bool)>((nil, false))

    public init() {}

    public func stop() {
        let action = state.withLock { s in s.requested = true; return s.action }
        if let action { Task { await action() } }
    }

    func set(_ newAction: @escaping @Sendable () async -> Void) {
        let already = state.withLock { s in s.action = newAction; return s.requested }
        if already { Task { await newAction() } }
    }
}

/// Per-request context: the client's address names its user when the request gives none.
struct ServeContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let address = source.channel.remoteAddress
        clientAddress = address.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
    }
}

/// API key check on `/v1`, OpenAI-shaped errors for everything (Hummingbird's own errors
/// included), and a log line for each request that is not a generation (those log at their end).
struct APIMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let apiKey: String?
    let maxBodyBytes: Int
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let what = "\(request.method) \(request.uri.path)"
        do {
            if let apiKey, request.uri.path.hasPrefix("/v1") {
                guard request.headers[.authorization] == "Bearer \(apiKey)" else { throw APIError.unauthorized }
            }
            let response = try await next(request, context)
            if request.method != .post { log("\(what) \(response.status.code) from \(context.clientAddress)") }
            return response
        } catch {
            let apiError = Self.apiError(error, path: request.uri.path, maxBodyBytes: maxBodyBytes)
            log("\(what) \(apiError.status.code) from \(context.clientAddress): \(apiError.message)")
            throw apiError
        }
    }

    static func apiError(_ error: Error, path: String, maxBodyBytes: Int) -> APIError {
        switch error {
        case let error as APIError: return error
        case is NIOTooManyBytesError: return .tooLarge(limit: maxBodyBytes)
        case let error as HTTPError where error.status == .notFound:
            return .notFound("No route for \(path).", code: "not_found")
        case let error as HTTPError where error.status == .contentTooLarge:
            return .tooLarge(limit: maxBodyBytes)
        case let error as HTTPError:
            return APIError(status: error.status, message: error.body ?? error.status.reasonPhrase, type: "invalid_request_error")
        default:
            return .internalError("\(error)")
        }
    }
}

/// Shut down first (services stop in reverse order): new requests get 503, the engine stops and
/// ends every open request as aborted, so the HTTP server's wait for open streams is short.
struct DrainService: Service {
    let served: ServedEngine

    func run() async throws {
        try? await gracefulShutdown()
        served.stopAccepting()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { served.engine.shutdown(); done.resume() }
            thread.name = "pdscope-serve-drain"
            thread.start()
        }
    }
}
