extension Tokenizer {
    /// Reads the `tokenizer.ggml.*` keys of a GGUF file.
    ///
    /// `model` "llama" (SentencePiece BPE): `tokens` and `scores` are required and must have the
    /// same length (as must `token_type` when present). Like llama.cpp, absent optional keys take
    /// SentencePiece defaults: types inferred, BOS 1, EOS 2, unknown 0, add BOS and space prefix on.
    /// `model` "gpt2" (byte-level BPE): `tokens`, `merges` and `pre` are required (see
    /// `init(byteLevelTokens:...)`); absent ids take llama.cpp's BPE defaults (BOS = EOS = 11, no
    /// unknown token) and absent `add_bos_token` means no BOS.
    /// A key present with the wrong type is an error, never silently defaulted.
    public convenience init(gguf: GGUFFile) throws {
        let keys = TokenizerKeyReader(file: gguf)
        guard let model = try keys.value("tokenizer.ggml.model", \.stringValue, "a string") else {
            throw TokenizerError.missingKey("tokenizer.ggml.model")
        }
        guard let algorithm = Algorithm(rawValue: model) else { throw TokenizerError.unsupportedModel(model) }
        do {
            switch algorithm {
            case .sentencePiece: try self.init(sentencePieceGGUF: gguf, keys: keys)
            case .byteLevelBPE: try self.init(byteLevelGGUF: gguf, keys: keys)
            }
        } catch TokenizerError.invalid(let why) where !why.hasPrefix(gguf.name) {
            throw TokenizerError.invalid("\(gguf.name): \(why)")
        }
    }

    private convenience init(sentencePieceGGUF gguf: GGUFFile, keys: TokenizerKeyReader) throws {
        guard let tokens = try keys.value("tokenizer.ggml.tokens", { _ in gguf.stringArray("tokenizer.ggml.tokens") },
                                          "an array of strings") else {
            throw TokenizerError.missingKey("tokenizer.ggml.tokens")
        }
        guard let scores = try keys.value("tokenizer.ggml.scores", { _ in gguf.floatArray("tokenizer.ggml.scores") },
                                          "an array of numbers") else {
            throw TokenizerError.missingKey("tokenizer.ggml.scores")
        }
        try self.init(tokens: tokens, scores: scores, types: try keys.types(),
                      bosId: try keys.id("tokenizer.ggml.bos_token_id", 1),
                      eosId: try keys.id("tokenizer.ggml.eos_token_id", 2),
                      unkId: try keys.id("tokenizer.ggml.unknown_token_id", 0),
                      addBOS: try keys.value("tokenizer.ggml.add_bos_token", \.boolValue, "a bool") ?? true,
                      addSpacePrefix: try keys.value("tokenizer.ggml.add_space_prefix", \.boolValue, "a bool") ?? true)
    }

    private convenience init(byteLevelGGUF gguf: GGUFFile, keys: TokenizerKeyReader) throws {
        guard let tokens = try keys.value("tokenizer.ggml.tokens", { _ in gguf.stringArray("tokenizer.ggml.tokens") },
                                          "an array of strings") else {
            throw TokenizerError.missingKey("tokenizer.ggml.tokens")
        }
        guard let merges = try keys.value("tokenizer.ggml.merges", { _ in gguf.stringArray("tokenizer.ggml.merges") },
                                          "an array of strings") else {
            throw TokenizerError.missingKey("tokenizer.ggml.merges")
        }
        guard let pre = try keys.value("tokenizer.ggml.pre", \.stringValue, "a string") else {
            throw TokenizerError.missingKey("tokenizer.ggml.pre")
        }
        try self.init(byteLevelTokens: tokens, types: try keys.types(), merges: merges, preTokenizer: pre,
                      bosId: try keys.id("tokenizer.ggml.bos_token_id", 11),
                      eosId: try keys.id("tokenizer.ggml.eos_token_id", 11),
                      unkId: try keys.id("tokenizer.ggml.unknown_token_id", -1),
                      addBOS: try keys.value("tokenizer.ggml.add_bos_token", \.boolValue, "a bool") ?? false)
    }
}

/// Tells "key absent" (nil) apart from "present with the wrong type" (an error naming the key).
private struct TokenizerKeyReader {
    let file: GGUFFile

    func value<T>(_ key: String, _ convert: (GGUFValue) -> T?, _ expected: String) throws -> T? {
        guard let raw = file.metadata[key] else { return nil }
        guard let v = convert(raw) else {
            throw TokenizerError.invalid("\(file.name): \(key) is \(raw.summary), expected \(expected)")
        }
        return v
    }
}

extension TokenizerKeyReader {
    /// `tokenizer.ggml.token_type`, or nil when absent.
    func types() throws -> [Int32]? {
        let types = try value("tokenizer.ggml.token_type", { _ in file.intArray("tokenizer.ggml.token_type") },
                              "an array of integers")
        if let types, let bad = types.first(where: { Int32(exactly: $0) == nil }) {
            throw TokenizerError.invalid("\(file.name): token type \(bad) is out of range")
        }
        return types?.map { Int32($0) }
    }

    /// A token id key, or `fallback` when absent.
    func id(_ key: String, _ fallback: Int32) throws -> Int32 {
        guard let v = try value(key, \.intValue, "an integer") else { return fallback }
        guard let id = Int32(exactly: v) else { throw TokenizerError.invalid("\(file.name): \(key) = \(v) is out of range") }
        return id
    }
}
