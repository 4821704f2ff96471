import Foundation

/// Times a streamed OpenAI response the way `vllm bench serve` does: bytes arrive in any split,
/// events end at a blank line, and every `data:` event whose `choices` hold content is one token
/// chunk. TTFT is at the first such chunk, then one ITL sample per later one.
public struct SSEChunkTimer: Sendable {
    public private(set) var start: Double
    public private(set) var firstChunk: Double?
    public private(set) var lastChunk: Double?
    public private(set) var itls: [Double] = []
    public private(set) var chunks = 0
    public private(set) var text = ""
    public private(set) var finishReason: String?
    public private(set) var usage: (prompt: Int, completion: Int)?
    public private(set) var sawDone = false
    private var pending: [UInt8] = []

    public init(start: Double) { self.start = start }

    public var ttft: Double? { firstChunk.map { $0 - start } }

    /// Feeds bytes received at `time`; returns the texts of the token chunks they completed.
    @discardableResult
    public mutating func feed(_ bytes: some Sequence<UInt8>, at time: Double) -> [String] {
        pending.append(contentsOf: bytes)
        var texts: [String] = []
        while let end = Self.eventEnd(in: pending) {
            let event = String(decoding: pending[0..<end.start], as: UTF8.self)
            pending.removeFirst(end.end)
            if let piece = handle(event, at: time) { texts.append(piece) }
        }
        return texts
    }

    /// The end of the first event: "\n\n" or "\r\n\r\n".
    static func eventEnd(in b: [UInt8]) -> (start: Int, end: Int)? {
        var i = 0
        while i + 1 < b.count {
            if b[i] == 10 && b[i + 1] == 10 { return (i, i + 2) }
            if b[i] == 13, i + 3 < b.count, b[i + 1] == 10, b[i + 2] == 13, b[i + 3] == 10 { return (i, i + 4) }
            i += 1
        }
        return nil
    }

    private mutating func handle(_ event: String, at time: Double) -> String? {
        let data = event.split(whereSeparator: \.isNewline)
            .filter { $0.hasPrefix("data:") }
            .map { $0.dropFirst(5).drop(while: { $0 == " " }) }
            .joined(separator: "\n")
        if data == "[DONE]" { sawDone = true; return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
        if let u = object["usage"] as? [String: Any], let p = u["prompt_tokens"] as? Int, let c = u["completion_tokens"] as? Int {
            usage = (p, c)
        }
        guard let choices = object["choices"] as? [[String: Any]], let choice = choices.first else { return nil }
        if let reason = choice["finish_reason"] as? String { finishReason = reason }
        let piece = (choice["text"] as? String) ?? ((choice["delta"] as? [String: Any])?["content"] as? String) ?? ""
        if let last = lastChunk { itls.append(time - last) } else { firstChunk = time }
        lastChunk = time
        chunks += 1
        text += piece
        return piece
    }
}
