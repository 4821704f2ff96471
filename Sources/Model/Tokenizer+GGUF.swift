extension Tokenizer {
    /// Reads the `tokenizer.ggml.*` keys of a GGUF file.
    ///
    /// `model` must be "llama" (SentencePiece BPE); `tokens` and `scores` are required and must have
    /// the same length (as must `token_type` when present). Like llama.cpp, absent optional keys take
    /// SentencePiece defaults: types inferred, BOS 1, EOS 2, unknown 0, add BOS and space prefix on.
    /// A key present with the wrong type is an error, never silently defaulted.
    public convenience init(gguf: GGUFFile) throws {
        let keys = TokenizerKeyReader(file: gguf)
        guard let model = try keys.value("tokenizer.ggml.model", \.stringValue, "a string") else {
            throw TokenizerError.missingKey("tokenizer.ggml.model")
        }
        guard model == "llama" else { throw TokenizerError.unsupportedModel(model) }
        guard let tokens = try keys.value("tokenizer.ggml.tokens", { _ in gguf.stringArray("tokenizer.ggml.tokens") },
                                          "an array of strings") else {
            throw TokenizerError.missingKey("tokenizer.ggml.tokens")
        }
        guard let scores = try keys.value("tokenizer.ggml.scores", { _ in gguf.floatArray("tokenizer.ggml.scores") },
                                          "an array of numbers") else {
            throw TokenizerError.missingKey("tokenizer.ggml.scores")
        }
        let types = try keys.value("tokenizer.ggml.token_type", { _ in gguf.intArray("tokenizer.ggml.token_type") },
                                   "an array of integers")
        if let types, let bad = types.first(where: { Int32(exactly: $0) == nil }) {
            throw TokenizerError.invalid("\(gguf.name): token type \(bad) is out of range")
        }
        func id(_ key: String, _ fallback: Int32) throws -> Int32 {
            guard let v = try keys.value(key, \.intValue, "an integer") else { return fallback }
            guard let id = Int32(exactly: v) else { throw TokenizerError.invalid("\(gguf.name): \(key) = \(v) is out of range") }
            return id
        }
        do {
            try self.init(tokens: tokens, scores: scores, types: types?.map { Int32($0) },
                          bosId: try id("tokenizer.ggml.bos_token_id", 1),
                          eosId: try id("tokenizer.ggml.eos_token_id", 2),
                          unkId: try id("tokenizer.ggml.unknown_token_id", 0),
                          addBOS: try keys.value("tokenizer.ggml.add_bos_token", \.boolValue, "a bool") ?? true,
                          addSpacePrefix: try keys.value("tokenizer.ggml.add_space_prefix", \.boolValue, "a bool") ?? true)
        } catch TokenizerError.invalid(let why) where !why.hasPrefix(gguf.name) {
            throw TokenizerError.invalid("\(gguf.name): \(why)")
        }
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
