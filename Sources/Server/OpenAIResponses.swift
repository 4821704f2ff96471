import Engine
import Foundation
import NIOCore

/// The JSON objects of completion and chat responses, streamed chunks and usage, as OpenAI (and
/// vLLM) shape them.
struct ResponseShape {
    let id: String
    let created: Int
    let model: String
    let isChat: Bool

    init(isChat: Bool, model: String, requestID: RequestID, created: Date = Date()) {
        self.isChat = isChat; self.model = model
        self.created = Int(created.timeIntervalSince1970)
        id = (isChat ? "chatcmpl-" : "cmpl-") + Self.randomHex() + "-\(requestID)"
    }

    /// vLLM's names: `abort` for a request ended early (client gone or server stopping).
    static func finishReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop: return "stop"
        case .length: return "length"
        case .aborted: return "abort"
        }
    }

    static func usage(prompt: Int, completion: Int) -> [String: Any] {
        ["prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion]
    }

    /// One streamed chunk: `text` (and the role on the first chat chunk), the finish reason on the last.
    func chunk(text: String, withRole: Bool, finish: FinishReason?, stopString: String?) -> [String: Any] {
        var choice: [String: Any] = ["index": 0, "logprobs": NSNull(),
                                     "finish_reason": finish.map { Self.finishReason($0) } ?? NSNull()]
        if isChat {
            var delta: [String: Any] = ["content": text]
            if withRole { delta["role"] = "assistant" }
            choice["delta"] = delta
        } else {
            choice["text"] = text
        }
        if finish != nil { choice["stop_reason"] = stopString ?? NSNull() }
        return envelope(object: isChat ? "chat.completion.chunk" : "text_completion", choices: [choice])
    }

    /// The final usage-only chunk (`stream_options.include_usage`).
    func usageChunk(prompt: Int, completion: Int) -> [String: Any] {
        var object = envelope(object: isChat ? "chat.completion.chunk" : "text_completion", choices: [])
        object["usage"] = Self.usage(prompt: prompt, completion: completion)
        return object
    }

    /// A whole (non-streamed) response.
    func full(text: String, finish: FinishReason, stopString: String?, prompt: Int, completion: Int) -> [String: Any] {
        var choice: [String: Any] = ["index": 0, "logprobs": NSNull(), "finish_reason": Self.finishReason(finish),
                                     "stop_reason": stopString ?? NSNull()]
        if isChat {
            choice["message"] = ["role": "assistant", "content": text]
        } else {
            choice["text"] = text
        }
        var object = envelope(object: isChat ? "chat.completion" : "text_completion", choices: [choice])
        object["usage"] = Self.usage(prompt: prompt, completion: completion)
        return object
    }

    private func envelope(object: String, choices: [[String: Any]]) -> [String: Any] {
        ["id": id, "object": object, "created": created, "model": model, "choices": choices]
    }

    private static func randomHex() -> String {
        String((0..<16).map { _ in "0123456789abcdef".randomElement()! })
    }
}

/// Server-sent events: `data: {json}\n\n` per chunk and `data: [DONE]\n\n` at the end.
enum SSE {
    static func event(_ object: [String: Any]) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(JSON.data(object))
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
