import Foundation
import Hummingbird

/// An error as OpenAI's API returns it: `{"error": {"message", "type", "param", "code"}}` with
/// the matching HTTP status (and `Retry-After` when the server is busy). Thrown by handlers; the
/// router turns it into the response.
public struct APIError: Error, Equatable, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    public var retryAfterSeconds: Int?

    public init(status: HTTPResponse.Status, message: String, type: String, param: String? = nil,
                code: String? = nil, retryAfterSeconds: Int? = nil) {
        self.status = status; self.message = message; self.type = type; self.param = param
        self.code = code; self.retryAfterSeconds = retryAfterSeconds
    }

    /// 400: malformed JSON or a bad parameter (named in `param`).
    public static func invalid(_ message: String, param: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", param: param)
    }

    public static func notFound(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .notFound, message: message, type: "invalid_request_error", param: param, code: code)
    }

    public static let unauthorized = APIError(status: .unauthorized, message: "Incorrect or missing API key (send it as 'Authorization: Bearer KEY').",
                                              type: "invalid_request_error", code: "invalid_api_key")

    public static func tooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "Request body is larger than the limit of \(limit) bytes.",
                 type: "invalid_request_error", code: "request_too_large")
    }

    /// 503 with Retry-After: the engine cannot take the request now.
    public static func unavailable(_ message: String, retryAfter: Int = 1) -> APIError {
        APIError(status: .serviceUnavailable, message: message, type: "service_unavailable_error",
                 code: "service_unavailable", retryAfterSeconds: retryAfter)
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(status: .internalServerError, message: message, type: "internal_error")
    }

    public var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { fields[.retryAfter] = String(retryAfterSeconds) }
        return fields
    }

    /// The JSON body.
    public var body: Data {
        let error: [String: Any] = ["message": message, "type": type, "param": param ?? NSNull(), "code": code ?? NSNull()]
        return JSON.data(["error": error])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// JSON bodies written with Foundation's serializer, keys sorted so output is stable.
enum JSON {
    static func data(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func response(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data(object))))
    }
}
