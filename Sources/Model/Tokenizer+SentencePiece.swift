/// SentencePiece-style BPE (llama2.c's `encode`, llama.cpp's "llama"/SPM vocabulary).
///
/// Pieces use U+2581 '▁' for a space. Text is split into UTF-8 characters; characters that are not
/// in the vocabulary fall back to the `<0xXX>` byte tokens; then adjacent symbols are merged, always
/// taking the pair whose merged piece has the highest score (the leftmost on ties), until no pair
/// is in the vocabulary.
struct SentencePieceEncoder {
    /// Token of a single UTF-8 character, keyed by its bytes packed into a UInt32 (see `charKey`).
    let charTokens: [UInt32: Int32]
    /// Merged token of an adjacent pair, keyed by `SymbolMerging.pairKey(left, right)`.
    let rules: [UInt64: MergeRule]
    /// Token for each byte value (the `<0xXX>` tokens), or the unknown token when the vocabulary lacks it.
    let byteTokens: [Int32]

    private static let spaceMark: [UInt8] = Array("\u{2581}".utf8)

    /// Encodes one stretch of text (no special tokens in it), putting a '▁' first when `spacePrefix`.
    func encode(_ text: ArraySlice<UInt8>, spacePrefix: Bool, into out: inout [Int32]) {
        guard !text.isEmpty else { return }
        SymbolMerging.merge(initialSymbols(text, spacePrefix: spacePrefix), rules: rules, into: &out)
    }

    /// One symbol per UTF-8 character, or one byte token per byte when the character is not a
    /// piece. Spaces become '▁'.
    func initialSymbols(_ text: ArraySlice<UInt8>, spacePrefix: Bool) -> [Int32] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count + 3)
        if spacePrefix { bytes += Self.spaceMark }
        for b in text {
            if b == 0x20 { bytes += Self.spaceMark } else { bytes.append(b) }
        }
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            var len = Self.utf8Length(lead: bytes[i])
            // Stop a character at the next non-continuation byte, so broken input cannot swallow it.
            var j = 1
            while j < len, i + j < bytes.count, bytes[i + j] & 0xC0 == 0x80 { j += 1 }
            len = j
            if let id = charTokens[Self.charKey(bytes[i..<(i + len)])] {
                symbols.append(id)
            } else {
                for k in i..<(i + len) { symbols.append(byteTokens[Int(bytes[k])]) }
            }
            i += len
        }
        return symbols
    }

    // MARK: - Tables

    /// The byte value of a `<0xXX>` piece, or nil.
    static func byteValue(ofPiece piece: String) -> UInt8? {
        let u = Array(piece.utf8)
        guard u.count == 6, u[0] == UInt8(ascii: "<"), u[1] == UInt8(ascii: "0"), u[2] == UInt8(ascii: "x"),
              u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }

    /// Packs the bytes of one UTF-8 character (1-4 bytes) into a key. Unique because the lead
    /// byte fixes the length.
    @inline(__always)
    static func charKey<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var key: UInt32 = 0
        for b in bytes { key = key << 8 | UInt32(b) }
        return key
    }

    /// Number of bytes in the UTF-8 character starting with `lead` (1 for stray continuation bytes,
    /// so broken input still advances).
    @inline(__always)
    static func utf8Length(lead: UInt8) -> Int {
        if lead < 0xC0 { return 1 }
        if lead < 0xE0 { return 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }

    /// Builds the encoder and the bytes each token prints as ('▁' → ' ', `<0xXX>` → that byte,
    /// control → nothing).
    ///
    /// Only ordinary pieces take part in lookups and merges, so "<0x41>" in a prompt yields plain
    /// text pieces, never a byte token. When two pieces share a text the lower id wins.
    static func build(tokens: [String], scores: [Float], kinds: [Tokenizer.TokenKind], unkId: Int32)
        -> (SentencePieceEncoder, [[UInt8]]) {
        var textIds: [[UInt8]: Int32] = [:]
        var utf8: [[UInt8]] = []
        utf8.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            let bytes = Array(t.utf8)
            utf8.append(bytes)
            let mergeable = kinds[i] == .normal || kinds[i] == .userDefined || kinds[i] == .undefined
            if mergeable, !bytes.isEmpty, textIds[bytes] == nil { textIds[bytes] = Int32(i) }
        }

        var chars: [UInt32: Int32] = [:]
        var rules: [UInt64: MergeRule] = [:]
        for (bytes, id) in textIds {
            if bytes.count <= 4, utf8Length(lead: bytes[0]) == bytes.count {
                chars[charKey(bytes)] = id
            }
            // Every split of a piece into two pieces is a merge that produces it.
            for cut in 1..<max(bytes.count, 1) {
                guard let l = textIds[Array(bytes[..<cut])], let r = textIds[Array(bytes[cut...])] else { continue }
                rules[SymbolMerging.pairKey(l, r)] = MergeRule(merged: id, priority: scores[Int(id)])
            }
        }

        var bytesTable = [Int32](repeating: unkId, count: 256)
        var printed = [[UInt8]](repeating: [], count: tokens.count)
        for i in tokens.indices {
            switch kinds[i] {
            case .byte:
                if let v = byteValue(ofPiece: tokens[i]) {
                    if bytesTable[Int(v)] == unkId { bytesTable[Int(v)] = Int32(i) }
                    printed[i] = [v]
                }
            case .control, .unused:
                printed[i] = []
            case .unknown:
                printed[i] = Array("\u{2585}".utf8)  // what llama.cpp prints for an unknown token
            case .normal, .userDefined, .undefined:
                printed[i] = replacingSpaceMarks(utf8[i])
            }
        }
        return (SentencePieceEncoder(charTokens: chars, rules: rules, byteTokens: bytesTable), printed)
    }

    private static func replacingSpaceMarks(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if i + 2 < bytes.count, bytes[i] == spaceMark[0], bytes[i + 1] == spaceMark[1], bytes[i + 2] == spaceMark[2] {
                out.append(0x20); i += 3
            } else {
                out.append(bytes[i]); i += 1
            }
        }
        return out
    }
}
