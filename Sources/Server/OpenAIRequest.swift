import Foundation
import Model

/// One chat message as the API gives it (content already joined from its text parts).
public struct ChatTurn: Equatable, Sendable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
}

/// A completion or chat request, checked: every field OpenAI's clients and `vllm bench serve`
/// send that pdscope honours, with defaults applied. Unknown fields are ignored, as OpenAI does.
public struct GenerationRequest: Equatable, Sendable {
    public enum Input: Equatable, Sendable {
        case prompt(String)
        case chat([ChatTurn])
    }
    public var model: String?
    public var input: Input
    /// nil: until the context is full.
    public var maxTokens: Int?
    public var sampling: SamplingParams
    public var stop: [String]
    public var stream: Bool
    public var includeUsage: Bool
    public var ignoreEOS: Bool
    public var user: String?

    /// Most stop strings accepted (OpenAI allows 4; vLLM more) and their longest length.
    public static let maxStopStrings = 16
    public static let maxStopLength = 256

    /// Parses a request body of `/v1/completions` (`isChat` false) or `/v1/chat/completions`.
    public static func parse(_ body: Data, isChat: Bool) throws -> GenerationRequest {
        let wire: WireRequest
        do {
            wire = try JSONDecoder().decode(WireRequest.self, from: body)
        } catch let error as DecodingError {
            throw describe(error)
        }
        return try wire.checked(isChat: isChat)
    }

    /// A one-line, named reason for a body that is not the JSON we expect.
    static func describe(_ error: DecodingError) -> APIError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .invalid("The request body is not valid JSON.")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let name = path(context.codingPath)
            if name.isEmpty { return .invalid("The request body must be a JSON object.") }
            return .invalid("'\(name)' must be \(describe(type)).", param: name)
        case .dataCorrupted(let context):
            let name = path(context.codingPath)
            return .invalid("'\(name)': \(context.debugDescription)", param: name)
        case .keyNotFound(let key, let context):
            let name = path(context.codingPath + [key])
            return .invalid("'\(name)' is required.", param: name)
        @unknown default:
            return .invalid("The request body could not be read.")
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
            .replacingOccurrences(of: ".[", with: "[")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        default:
            // Arrays and objects of our own element types (`[WireMessage]`, a message) by their JSON name.
            let name = String(describing: type)
            if name.hasPrefix("Array<") { return "an array" }
            if name.hasPrefix("Dictionary<") { return "an object" }
            return "of another type"
        }
    }
}

/// The JSON as sent; checked into a `GenerationRequest`.
private struct WireRequest: Decodable {
    var model: String?
    var prompt: PromptField?
    var messages: [WireMessage]?
    var max_tokens: Int?
    var max_completion_tokens: Int?
    var temperature: Double?
    var top_p: Double?
    var top_k: Int?
    var seed: Int64?
    var stop: StopField?
    var stream: Bool?
    var stream_options: StreamOptions?
    var ignore_eos: Bool?
    var user: String?
    var n: Int?

    struct StreamOptions: Decodable { var include_usage: Bool? }

    func checked(isChat: Bool) throws -> GenerationRequest {
        let input: GenerationRequest.Input
        if isChat {
            guard let messages else { throw APIError.invalid("'messages' is required.", param: "messages") }
            guard !messages.isEmpty else { throw APIError.invalid("'messages' must not be empty.", param: "messages") }
            input = .chat(messages.map { ChatTurn(role: $0.role, content: $0.content?.text ?? "") })
        } else {
            guard let prompt else { throw APIError.invalid("'prompt' is required.", param: "prompt") }
            input = .prompt(prompt.text)
        }
        if let n, n != 1 { throw APIError.invalid("'n' must be 1 (pdscope samples one choice per request), got \(n).", param: "n") }
        let limit = isChat ? (max_completion_tokens ?? max_tokens) : max_tokens
        let limitName = isChat && max_completion_tokens != nil ? "max_completion_tokens" : "max_tokens"
        if let limit, limit < 1 { throw APIError.invalid("'\(limitName)' must be at least 1, got \(limit).", param: limitName) }
        var sampling = SamplingParams()
        if let temperature {
            guard temperature.isFinite, (0...100).contains(temperature) else {
                throw APIError.invalid("'temperature' must be between 0 and 100, got \(temperature).", param: "temperature")
            }
            sampling.temperature = Float(temperature)
        }
        if let top_p {
            guard top_p > 0, top_p <= 1 else { throw APIError.invalid("'top_p' must be in (0, 1], got \(top_p).", param: "top_p") }
            sampling.topP = Float(top_p)
        }
        if let top_k {
            guard top_k >= -1 else { throw APIError.invalid("'top_k' must be -1 or 0 (off) or positive, got \(top_k).", param: "top_k") }
            sampling.topK = max(top_k, 0)
        }
        if let seed { sampling.seed = UInt64(bitPattern: seed) }
        let stops = stop?.strings ?? []
        guard stops.count <= GenerationRequest.maxStopStrings else {
            throw APIError.invalid("'stop' has \(stops.count) strings; at most \(GenerationRequest.maxStopStrings) are allowed.", param: "stop")
        }
        if stops.contains(where: { $0.count > GenerationRequest.maxStopLength }) {
            throw APIError.invalid("'stop' strings must be at most \(GenerationRequest.maxStopLength) characters.", param: "stop")
        }
        return GenerationRequest(model: model, input: input, maxTokens: limit, sampling: sampling,
                                 stop: stops.filter { !$0.isEmpty }, stream: stream ?? false,
                                 includeUsage: stream_options?.include_usage ?? false,
                                 ignoreEOS: ignore_eos ?? false, user: user)
    }
}

/// `prompt`: a string, or a list holding one string.
private struct PromptField: Decodable {
    var text: String
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self.text = text; return }
        if let list = try? container.decode([String].self) {
            guard list.count == 1 else {
                throw APIError.invalid("'prompt' as a list must hold exactly one string (batches are not supported), got \(list.count).", param: "prompt")
            }
            text = list[0]
            return
        }
        if (try? container.decode([Int].self)) != nil || (try? container.decode([[Int]].self)) != nil {
            throw APIError.invalid("'prompt' as token ids is not supported; send text.", param: "prompt")
        }
        throw APIError.invalid("'prompt' must be a string.", param: "prompt")
    }
}

/// `stop`: a string or a list of strings.
private struct StopField: Decodable {
    var strings: [String]
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) { strings = [one]; return }
        if let many = try? container.decode([String].self) { strings = many; return }
        throw APIError.invalid("'stop' must be a string or a list of strings.", param: "stop")
    }
}

/// A chat message: `content` is a string, a list of `{"type": "text", "text": ...}` parts, or null.
private struct WireMessage: Decodable {
    var role: String
    var content: Content?

    struct Content: Decodable {
        var text: String
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self.text = text; return }
            guard let parts = try? container.decode([Part].self) else {
                throw APIError.invalid("message 'content' must be a string or a list of text parts.", param: "messages")
            }
            for part in parts where part.type != "text" {
                throw APIError.invalid("message content parts of type '\(part.type)' are not supported; only 'text'.", param: "messages")
            }
            text = parts.map { $0.text ?? "" }.joined()
        }
    }

    struct Part: Decodable {
        var type: String
        var text: String?
    }
}
