/// A SentencePiece-style BPE tokenizer (llama2.c's `encode`, llama.cpp's "llama"/SPM vocabulary).
///
/// Pieces use U+2581 '▁' for a space. Text is split into UTF-8 characters; characters that are not
/// in the vocabulary fall back to the `<0xXX>` byte tokens; then adjacent symbols are merged, always
/// taking the pair whose merged piece has the highest score (the leftmost on ties), until no pair
/// is in the vocabulary. Encoding is O(n log n) in the text length (see `Tokenizer+Encode.swift`).
///
/// Immutable after init, so it is safe to share between threads.
public final class Tokenizer: @unchecked Sendable {
    /// Token kinds, numbered as llama.cpp's `llama_token_type` (GGUF `tokenizer.ggml.token_type`).
    public enum TokenKind: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The pieces as given (with '▁' for spaces).
    public let tokens: [String]
    public let scores: [Float]
    public let kinds: [TokenKind]
    public let bosId: Int32
    public let eosId: Int32
    public let unkId: Int32
    /// Whether `encode` starts with BOS by default (GGUF `add_bos_token`).
    public let addsBOS: Bool
    /// Whether a space is put in front of non-empty text before encoding (GGUF `add_space_prefix`).
    public let addsSpacePrefix: Bool

    public var vocabSize: Int { tokens.count }

    /// Token of a single UTF-8 character, keyed by its bytes packed into a UInt32 (see `charKey`).
    let charTokens: [UInt32: Int32]
    /// Merged token of an adjacent pair, keyed by `pairKey(left, right)`.
    let pairTokens: [UInt64: Int32]
    /// Token for each byte value (the `<0xXX>` tokens), or `unkId` when the vocabulary lacks it.
    let byteTokens: [Int32]
    /// The bytes each token prints as ('▁' → ' ', `<0xXX>` → that byte, control → nothing).
    let pieceBytes: [[UInt8]]

    /// Builds a tokenizer from parallel arrays. `types` nil means: infer (`<0xXX>` → byte,
    /// `unkId` → unknown, BOS/EOS → control, others normal), which is what llama2.c files need.
    /// Ids out of range, or arrays of different lengths, are reported as errors.
    public init(tokens: [String], scores: [Float], types: [Int32]?, bosId: Int32, eosId: Int32,
                unkId: Int32, addBOS: Bool, addSpacePrefix: Bool) throws {
        guard !tokens.isEmpty else { throw TokenizerError.invalid("the vocabulary is empty") }
        guard scores.count == tokens.count else {
            throw TokenizerError.invalid("\(tokens.count) tokens but \(scores.count) scores")
        }
        if let types, types.count != tokens.count {
            throw TokenizerError.invalid("\(tokens.count) tokens but \(types.count) token types")
        }
        for (name, id) in [("bos", bosId), ("eos", eosId), ("unknown", unkId)]
        where id < 0 || Int(id) >= tokens.count {
            throw TokenizerError.invalid("\(name) token id \(id) is outside the vocabulary of \(tokens.count)")
        }
        guard tokens.count < Int(Int32.max) else { throw TokenizerError.invalid("vocabulary too large") }

        self.tokens = tokens
        self.scores = scores
        self.bosId = bosId; self.eosId = eosId; self.unkId = unkId
        self.addsBOS = addBOS; self.addsSpacePrefix = addSpacePrefix

        var kinds = [TokenKind](repeating: .normal, count: tokens.count)
        for i in tokens.indices {
            if let types {
                kinds[i] = TokenKind(rawValue: types[i]) ?? .undefined
            } else if Tokenizer.byteValue(ofPiece: tokens[i]) != nil {
                kinds[i] = .byte
            } else if i == Int(unkId) {
                kinds[i] = .unknown
            } else if i == Int(bosId) || i == Int(eosId) {
                kinds[i] = .control
            }
        }
        self.kinds = kinds
        (charTokens, pairTokens, byteTokens, pieceBytes) = Tokenizer.buildTables(tokens: tokens, kinds: kinds, unkId: unkId)
    }

    /// Bytes to print for `token` when it follows `previous` (use -1 for "no previous token").
    /// Like llama2.c, the space that the space prefix put in front of the first word is dropped
    /// right after BOS. Out-of-range ids print nothing.
    public func piece(_ token: Int32, after previous: Int32) -> [UInt8] {
        guard token >= 0, Int(token) < pieceBytes.count else { return [] }
        let bytes = pieceBytes[Int(token)]
        if previous == bosId, addsSpacePrefix, bytes.first == 0x20 { return Array(bytes.dropFirst()) }
        return bytes
    }

    /// Decodes a whole token sequence to text (invalid UTF-8 becomes U+FFFD).
    public func decode(_ tokens: [Int32]) -> String {
        var bytes: [UInt8] = []
        var previous: Int32 = -1
        for token in tokens {
            bytes += piece(token, after: previous)
            previous = token
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `token` marks the end of generation.
    public func isEndOfGeneration(_ token: Int32) -> Bool { token == eosId }

    // MARK: - Tables

    private static let spaceMark: [UInt8] = Array("\u{2581}".utf8)

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

    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
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

    /// Only ordinary pieces take part in lookups and merges, so typing "<s>" or "<0x41>" in a
    /// prompt yields plain text pieces, never BOS or a byte token. When two pieces share a text
    /// the lower id wins.
    private static func buildTables(tokens: [String], kinds: [TokenKind], unkId: Int32)
        -> ([UInt32: Int32], [UInt64: Int32], [Int32], [[UInt8]]) {
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
        var pairs: [UInt64: Int32] = [:]
        for (bytes, id) in textIds {
            if bytes.count <= 4, utf8Length(lead: bytes[0]) == bytes.count {
                chars[charKey(bytes)] = id
            }
            // Every split of a piece into two pieces is a merge that produces it.
            for cut in 1..<max(bytes.count, 1) {
                guard let l = textIds[Array(bytes[..<cut])], let r = textIds[Array(bytes[cut...])] else { continue }
                pairs[pairKey(l, r)] = id
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
        return (chars, pairs, bytesTable, printed)
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

/// Why a tokenizer could not be built.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case missingKey(String)
    case unsupportedModel(String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let why): return "tokenizer: \(why)"
        case .missingKey(let key): return "tokenizer: GGUF key \(key) is missing or has the wrong type"
        case .unsupportedModel(let m): return "tokenizer: model \"\(m)\" is not supported (only \"llama\" SentencePiece BPE)"
        case .unreadable(let path, let reason): return "tokenizer: cannot read \(path): \(reason)"
        }
    }
}
