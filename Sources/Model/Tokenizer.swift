/// Text ↔ token ids for a model's vocabulary: the one type the engine and the commands use.
///
/// Two algorithms sit behind it, chosen by the GGUF `tokenizer.ggml.model`:
/// - "llama": SentencePiece-style BPE by piece scores (llama2.c, stories260K, the synthetic models);
///   see `Tokenizer+SentencePiece.swift`.
/// - "gpt2": GPT-2 byte-level BPE by ranked merges (SmolLM2); see `Tokenizer+ByteLevelBPE.swift`.
///
/// Special tokens written in the text (`<|im_start|>`) become single tokens before either runs
/// (`Tokenizer+Special.swift`). Encoding is O(n log n) in the text length.
/// Immutable after init, so it is safe to share between threads.
public final class Tokenizer: Sendable {
    /// Token kinds, numbered as llama.cpp's `llama_token_type` (GGUF `tokenizer.ggml.token_type`).
    public enum TokenKind: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The algorithm, named by its GGUF `tokenizer.ggml.model` value.
    public enum Algorithm: String, Sendable {
        case sentencePiece = "llama"
        case byteLevelBPE = "gpt2"
    }

    enum Encoder {
        case sentencePiece(SentencePieceEncoder)
        case byteLevel(ByteLevelBPE)
    }

    public let algorithm: Algorithm
    /// The pieces as stored (SentencePiece: '▁' for spaces; byte-level: 'Ġ' for spaces).
    public let tokens: [String]
    /// Piece scores (SentencePiece); zeros for byte-level vocabularies, which rank merges instead.
    public let scores: [Float]
    public let kinds: [TokenKind]
    public let bosId: Int32
    public let eosId: Int32
    /// The unknown token, or -1 when the vocabulary has none (byte-level vocabularies need none).
    public let unkId: Int32
    /// Whether `encode` starts with BOS by default (GGUF `add_bos_token`).
    public let addsBOS: Bool
    /// Whether a space is put in front of non-empty text before encoding (GGUF `add_space_prefix`).
    public let addsSpacePrefix: Bool
    /// Tokens that end a generation: EOS and the end-of-turn tokens (`<|im_end|>`, ...), as
    /// llama.cpp's end-of-generation set. Sorted.
    public let endOfGenerationIds: [Int32]

    public var vocabSize: Int { tokens.count }

    let encoder: Encoder
    /// The bytes each token prints as (control tokens print nothing).
    let pieceBytes: [[UInt8]]
    /// Tokens recognised in the text when special parsing is on, longest text first.
    let specialTokens: [(id: Int32, text: [UInt8])]

    /// A SentencePiece tokenizer from parallel arrays. `types` nil means: infer (`<0xXX>` → byte,
    /// `unkId` → unknown, BOS/EOS → control, others normal), which is what llama2.c files need.
    /// Ids out of range, or arrays of different lengths, are reported as errors.
    public convenience init(tokens: [String], scores: [Float], types: [Int32]?, bosId: Int32, eosId: Int32,
                            unkId: Int32, addBOS: Bool, addSpacePrefix: Bool) throws {
        guard scores.count == tokens.count else {
            throw TokenizerError.invalid("\(tokens.count) tokens but \(scores.count) scores")
        }
        try Self.validate(tokens: tokens, types: types, ids: [("bos", bosId), ("eos", eosId), ("unknown", unkId)])
        var kinds = [TokenKind](repeating: .normal, count: tokens.count)
        for i in tokens.indices {
            if let types {
                kinds[i] = TokenKind(rawValue: types[i]) ?? .undefined
            } else if SentencePieceEncoder.byteValue(ofPiece: tokens[i]) != nil {
                kinds[i] = .byte
            } else if i == Int(unkId) {
                kinds[i] = .unknown
            } else if i == Int(bosId) || i == Int(eosId) {
                kinds[i] = .control
            }
        }
        Self.markEndOfTurnTokens(tokens, &kinds)
        let (encoder, printed) = SentencePieceEncoder.build(tokens: tokens, scores: scores, kinds: kinds, unkId: unkId)
        self.init(algorithm: .sentencePiece, encoder: .sentencePiece(encoder), tokens: tokens, scores: scores,
                  kinds: kinds, printed: printed, bosId: bosId, eosId: eosId, unkId: unkId,
                  addBOS: addBOS, addSpacePrefix: addSpacePrefix)
    }

    /// A GPT-2 byte-level BPE tokenizer: the pieces, their types (nil = all normal), the merges
    /// in rank order ("Ġ t") and the pre-tokenizer name (GGUF `tokenizer.ggml.pre`).
    /// An unknown pre-tokenizer is an error naming the ones supported. `unkId` may be -1.
    public convenience init(byteLevelTokens tokens: [String], types: [Int32]?, merges: [String], preTokenizer: String,
                            bosId: Int32, eosId: Int32, unkId: Int32, addBOS: Bool) throws {
        guard let pre = PreTokenizer(rawValue: preTokenizer) else {
            let known = PreTokenizer.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw TokenizerError.unsupportedPreTokenizer(preTokenizer, supported: known)
        }
        var ids = [("bos", bosId), ("eos", eosId)]
        if unkId != -1 { ids.append(("unknown", unkId)) }
        try Self.validate(tokens: tokens, types: types, ids: ids)
        var kinds = types.map { $0.map { TokenKind(rawValue: $0) ?? .undefined } }
            ?? [TokenKind](repeating: .normal, count: tokens.count)
        Self.markEndOfTurnTokens(tokens, &kinds)
        let bpe = try ByteLevelBPE.build(tokens: tokens, merges: merges, preTokenizer: pre)
        let printed = tokens.indices.map { i -> [UInt8] in
            switch kinds[i] {
            case .normal: return ByteLevelBPE.decodedBytes(tokens[i])
            case .userDefined: return Array(tokens[i].utf8)
            default: return []  // control, unknown and unused print nothing, as in llama.cpp
            }
        }
        self.init(algorithm: .byteLevelBPE, encoder: .byteLevel(bpe), tokens: tokens,
                  scores: [Float](repeating: 0, count: tokens.count), kinds: kinds, printed: printed,
                  bosId: bosId, eosId: eosId, unkId: unkId, addBOS: addBOS, addSpacePrefix: false)
    }

    private init(algorithm: Algorithm, encoder: Encoder, tokens: [String], scores: [Float], kinds: [TokenKind],
                 printed: [[UInt8]], bosId: Int32, eosId: Int32, unkId: Int32, addBOS: Bool, addSpacePrefix: Bool) {
        self.algorithm = algorithm
        self.encoder = encoder
        self.tokens = tokens
        self.scores = scores
        self.kinds = kinds
        self.pieceBytes = printed
        self.bosId = bosId; self.eosId = eosId; self.unkId = unkId
        self.addsBOS = addBOS; self.addsSpacePrefix = addSpacePrefix
        var eog = Set(tokens.indices.filter { Self.endOfTurnTexts.contains(tokens[$0]) }.map { Int32($0) })
        eog.insert(eosId)
        endOfGenerationIds = eog.sorted()
        specialTokens = tokens.indices
            .filter { [.control, .userDefined, .unknown].contains(kinds[$0]) && !tokens[$0].isEmpty }
            .map { (id: Int32($0), text: Array(tokens[$0].utf8)) }
            .sorted { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
    }

    /// Bytes to print for `token` when it follows `previous` (use -1 for "no previous token").
    /// Like llama2.c, the space that the space prefix put in front of the first word is dropped
    /// right after BOS. Control tokens and out-of-range ids print nothing.
    public func piece(_ token: Int32, after previous: Int32) -> [UInt8] {
        guard token >= 0, Int(token) < pieceBytes.count else { return [] }
        let bytes = pieceBytes[Int(token)]
        if previous == bosId, addsSpacePrefix, bytes.first == 0x20 { return Array(bytes.dropFirst()) }
        return bytes
    }

    /// Decodes a whole token sequence to text (invalid UTF-8 becomes U+FFFD). With
    /// `renderSpecial`, control tokens print their text (`<|im_end|>`) instead of nothing.
    public func decode(_ tokens: [Int32], renderSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        var previous: Int32 = -1
        for token in tokens {
            if renderSpecial, token >= 0, Int(token) < kinds.count, kinds[Int(token)] == .control {
                bytes += Array(self.tokens[Int(token)].utf8)
            } else {
                bytes += piece(token, after: previous)
            }
            previous = token
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `token` ends a generation (EOS or an end-of-turn token such as `<|im_end|>`).
    public func isEndOfGeneration(_ token: Int32) -> Bool { endOfGenerationIds.contains(token) }

    /// The id of the token whose text is exactly `text`, if any.
    public func id(of text: String) -> Int32? { tokens.firstIndex(of: text).map { Int32($0) } }

    // MARK: - Shared checks

    /// Texts llama.cpp treats as end of turn/generation whatever their declared type.
    static let endOfTurnTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
        "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
    ]

    /// End-of-turn tokens are control tokens even where a file forgot to say so (as llama.cpp does).
    private static func markEndOfTurnTokens(_ tokens: [String], _ kinds: inout [TokenKind]) {
        for i in tokens.indices where endOfTurnTexts.contains(tokens[i]) { kinds[i] = .control }
    }

    private static func validate(tokens: [String], types: [Int32]?, ids: [(String, Int32)]) throws {
        guard !tokens.isEmpty else { throw TokenizerError.invalid("the vocabulary is empty") }
        if let types, types.count != tokens.count {
            throw TokenizerError.invalid("\(tokens.count) tokens but \(types.count) token types")
        }
        for (name, id) in ids where id < 0 || Int(id) >= tokens.count {
            throw TokenizerError.invalid("\(name) token id \(id) is outside the vocabulary of \(tokens.count)")
        }
        guard tokens.count < Int(Int32.max) / 2 else { throw TokenizerError.invalid("vocabulary too large") }
    }
}

/// Why a tokenizer could not be built.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case missingKey(String)
    case unsupportedModel(String)
    case unsupportedPreTokenizer(String, supported: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let why): return "tokenizer: \(why)"
        case .missingKey(let key): return "tokenizer: GGUF key \(key) is missing or has the wrong type"
        case .unsupportedModel(let m):
            return "tokenizer: model \"\(m)\" is not supported (only \"llama\" SentencePiece BPE and \"gpt2\" byte-level BPE with the \"smollm\" pre-tokenizer)"
        case .unsupportedPreTokenizer(let pre, let supported):
            return "tokenizer: pre-tokenizer \"\(pre)\" (tokenizer.ggml.pre) is not supported (supported: \(supported))"
        case .unreadable(let path, let reason): return "tokenizer: cannot read \(path): \(reason)"
        }
    }
}
