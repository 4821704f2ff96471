/// Turns the byte pieces of generated tokens into printable UTF-8 text as they arrive.
///
/// A character may be split across tokens (byte-fallback tokens carry one byte each), so a
/// trailing incomplete sequence is held back until the bytes that finish it arrive. Invalid bytes
/// become U+FFFD; `finish()` flushes whatever is still held.
public struct StreamingTextDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Bytes held back because they may start a character that is not complete yet.
    public var pendingByteCount: Int { pending.count }

    /// Adds bytes and returns the text that is complete so far (possibly empty).
    public mutating func append<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        pending.append(contentsOf: bytes)
        let cut = StreamingTextDecoder.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns what is held back (an unfinished character becomes U+FFFD) and starts over.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix that can be decoded now: everything except a final lead byte whose
    /// continuation bytes have not all arrived. A sequence that is already invalid is not held.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Walk back over at most 3 continuation bytes to the start of the last character.
        var start = n - 1
        while start >= 0, n - start <= 3, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        guard start >= 0 else { return n }
        let lead = bytes[start]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return n  // ASCII or a byte that can never start a character
        }
        return n - start < needed ? start : n
    }
}

extension Tokenizer {
    /// Feeds one generated token through `decoder`, returning the text to print now.
    public func appendText(of token: Int32, after previous: Int32, to decoder: inout StreamingTextDecoder) -> String {
        decoder.append(piece(token, after: previous))
    }
}
