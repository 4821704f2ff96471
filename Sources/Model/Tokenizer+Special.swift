extension Tokenizer {
    /// Encodes `text` into token ids.
    ///
    /// `addBOS`: put BOS first (nil = the model's `add_bos_token`). `parseSpecial`: control and
    /// user-defined tokens written in the text (`<|im_start|>`, `</s>`) become those single tokens,
    /// as llama.cpp's `special=true`; off, they are encoded as plain text.
    public func encode(_ text: String, addBOS: Bool? = nil, parseSpecial: Bool = true) -> [Int32] {
        encode(utf8: Array(text.utf8), addBOS: addBOS, parseSpecial: parseSpecial)
    }

    /// `encode` on raw bytes (a file read exactly); bytes that are not UTF-8 are handled as
    /// llama.cpp does.
    public func encode(utf8 bytes: [UInt8], addBOS: Bool? = nil, parseSpecial: Bool = true) -> [Int32] {
        var out: [Int32] = []
        if addBOS ?? addsBOS { out.append(bosId) }
        if bytes.isEmpty { return out }
        out.reserveCapacity(bytes.count / 3 + 2)
        var previousWasSpecial = true
        for fragment in fragments(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .special(let id):
                out.append(id)
                previousWasSpecial = true
            case .text(let range):
                switch encoder {
                case .sentencePiece(let spm):
                    // SentencePiece puts the space prefix in front of the text and after each special token.
                    spm.encode(bytes[range], spacePrefix: addsSpacePrefix && previousWasSpecial, into: &out)
                case .byteLevel(let bpe):
                    bpe.encode(bytes[range], into: &out)
                }
                previousWasSpecial = false
            }
        }
        return out
    }

    enum Fragment: Equatable {
        case text(Range<Int>)
        case special(Int32)
    }

    /// Cuts out the special tokens' texts, longest token first (so `<|im_start|>` wins over any
    /// shorter special inside it), leftmost occurrence first within each stretch of text.
    func fragments(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        var parts: [Fragment] = [.text(0..<bytes.count)]
        guard parseSpecial else { return parts }
        for special in specialTokens {
            guard parts.contains(where: { if case .text(let r) = $0 { return r.count >= special.text.count } else { return false } })
            else { continue }
            var next: [Fragment] = []
            next.reserveCapacity(parts.count + 2)
            for part in parts {
                guard case .text(var range) = part else { next.append(part); continue }
                while let at = Self.find(special.text, in: bytes, range) {
                    if at > range.lowerBound { next.append(.text(range.lowerBound..<at)) }
                    next.append(.special(special.id))
                    range = (at + special.text.count)..<range.upperBound
                }
                if !range.isEmpty { next.append(.text(range)) }
            }
            parts = next
        }
        return parts
    }

    /// First position of `needle` inside `haystack[range]`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], _ range: Range<Int>) -> Int? {
        let n = needle.count
        guard n > 0, range.count >= n else { return nil }
        let first = needle[0]
        var i = range.lowerBound
        let last = range.upperBound - n
        while i <= last {
            if haystack[i] == first {
                var k = 1
                while k < n, haystack[i + k] == needle[k] { k += 1 }
                if k == n { return i }
            }
            i += 1
        }
        return nil
    }
}
