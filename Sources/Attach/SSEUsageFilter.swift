import Foundation

/// The proxy asks every streaming upstream for `stream_options.include_usage` (the prompt and
/// output token counts arrive in one last usage-only chunk), but a client that did not ask must
/// not get that chunk. This passes the stream through whole event by whole event and drops the
/// events whose `choices` are empty and whose `usage` is set. Other bytes are untouched.
public struct SSEUsageFilter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Feeds bytes; returns the complete events among them that the client should get.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        pending.append(contentsOf: bytes)
        var out: [UInt8] = []
        while let end = SSEChunkTimer.eventEnd(in: pending) {
            let event = Array(pending[0..<end.end])
            pending.removeFirst(end.end)
            if !Self.isUsageOnly(event[0..<end.start]) { out += event }
        }
        return out
    }

    /// What is left when the upstream closes (an unterminated last event), passed on as is.
    public mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    static func isUsageOnly(_ event: ArraySlice<UInt8>) -> Bool {
        // Most events are token chunks: look for the key before parsing anything.
        guard event.count < 1 << 16, String(decoding: event, as: UTF8.self).contains("\"usage\"") else { return false }
        let data = String(decoding: event, as: UTF8.self).split(whereSeparator: \.isNewline)
            .filter { $0.hasPrefix("data:") }
            .map { $0.dropFirst(5).drop(while: { $0 == " " }) }
            .joined(separator: "\n")
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any],
              let usage = object["usage"], !(usage is NSNull) else { return false }
        return (object["choices"] as? [Any])?.isEmpty ?? true
    }
}
