/// The hyper-parameters of a Llama-architecture model, read from GGUF `llama.*` keys and checked
/// for consistency, so the forward pass can rely on them (e.g. heads divide the width).
public struct LlamaConfig: Equatable, Sendable {
    /// Model width (llama.embedding_length).
    public var dim: Int
    /// FFN inner width (llama.feed_forward_length).
    public var hiddenDim: Int
    public var layerCount: Int
    public var headCount: Int
    /// Key/value heads; fewer than `headCount` means grouped-query attention.
    public var kvHeadCount: Int
    public var vocabSize: Int
    public var contextLength: Int
    /// Leading dimensions of each head that RoPE rotates.
    public var ropeDim: Int
    public var ropeFreqBase: Float
    public var rmsEps: Float

    public var headDim: Int { dim / headCount }
    /// Width of one token's K (or V) across all KV heads.
    public var kvDim: Int { kvHeadCount * headDim }

    /// `ropeDim` defaults to the head dimension. Call `validate()` before trusting the values.
    public init(dim: Int, hiddenDim: Int, layerCount: Int, headCount: Int, kvHeadCount: Int,
                vocabSize: Int, contextLength: Int, ropeDim: Int? = nil,
                ropeFreqBase: Float = 10000, rmsEps: Float = 1e-5) {
        self.dim = dim; self.hiddenDim = hiddenDim; self.layerCount = layerCount
        self.headCount = headCount; self.kvHeadCount = kvHeadCount; self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.ropeDim = ropeDim ?? (headCount > 0 ? dim / headCount : 0)
        self.ropeFreqBase = ropeFreqBase; self.rmsEps = rmsEps
    }

    /// Reads `general.architecture` (must be llama) and the `llama.*` keys, then validates.
    public init(gguf: GGUFFile) throws {
        let reader = ConfigKeyReader(file: gguf)
        let arch = try reader.string("general.architecture")
        guard arch == "llama" else {
            throw GGUFError("\(gguf.name): architecture '\(arch)' is not supported (only llama)")
        }
        let headCount = try reader.int("llama.attention.head_count")
        var vocab = try reader.optionalInt("llama.vocab_size")
        if vocab == nil, let tokens = gguf.metadata["tokenizer.ggml.tokens"]?.arrayValue { vocab = tokens.count }
        guard let vocabSize = vocab else {
            throw GGUFError("\(gguf.name): vocabulary size unknown: neither llama.vocab_size nor tokenizer.ggml.tokens is present")
        }
        self.init(dim: try reader.int("llama.embedding_length"),
                  hiddenDim: try reader.int("llama.feed_forward_length"),
                  layerCount: try reader.int("llama.block_count"),
                  headCount: headCount,
                  kvHeadCount: try reader.optionalInt("llama.attention.head_count_kv") ?? headCount,
                  vocabSize: vocabSize,
                  contextLength: try reader.int("llama.context_length"),
                  ropeDim: try reader.optionalInt("llama.rope.dimension_count"),
                  ropeFreqBase: try reader.optionalFloat("llama.rope.freq_base") ?? 10000,
                  rmsEps: try reader.optionalFloat("llama.attention.layer_norm_rms_epsilon") ?? 1e-5)
        do { try validate() } catch let e as GGUFError { throw GGUFError("\(gguf.name): \(e.message)") }
    }

    /// Sizes a model can actually have; the cap keeps products like dim × vocab from overflowing.
    static let maxSize = 1 << 24

    /// Throws a one-line error (without a file name) for the first inconsistency found.
    public func validate() throws {
        let sizes: [(String, Int)] = [
            ("embedding_length", dim), ("feed_forward_length", hiddenDim), ("block_count", layerCount),
            ("attention.head_count", headCount), ("attention.head_count_kv", kvHeadCount),
            ("vocab_size", vocabSize), ("context_length", contextLength), ("rope.dimension_count", ropeDim),
        ]
        for (key, value) in sizes where value <= 0 || value > Self.maxSize {
            throw GGUFError("llama.\(key) is \(value), must be between 1 and \(Self.maxSize)")
        }
        guard dim % headCount == 0 else {
            throw GGUFError("llama.attention.head_count \(headCount) does not divide llama.embedding_length \(dim)")
        }
        guard headCount % kvHeadCount == 0 else {
            throw GGUFError("llama.attention.head_count_kv \(kvHeadCount) does not divide llama.attention.head_count \(headCount)")
        }
        guard headDim % 2 == 0 else { throw GGUFError("head dimension \(headDim) is odd; RoPE rotates pairs") }
        guard ropeDim % 2 == 0, ropeDim <= headDim else {
            throw GGUFError("llama.rope.dimension_count \(ropeDim) must be even and at most the head dimension \(headDim)")
        }
        guard ropeFreqBase.isFinite, ropeFreqBase > 1 else {
            throw GGUFError("llama.rope.freq_base \(ropeFreqBase) must be a finite number above 1")
        }
        guard rmsEps.isFinite, rmsEps > 0, rmsEps < 1 else {
            throw GGUFError("llama.attention.layer_norm_rms_epsilon \(rmsEps) must be between 0 and 1")
        }
    }
}

/// Reads required and optional keys, telling "absent" apart from "present with the wrong type".
private struct ConfigKeyReader {
    let file: GGUFFile

    func string(_ key: String) throws -> String {
        guard let value = file.metadata[key] else { throw missing(key) }
        guard let s = value.stringValue else { throw wrongType(key, value, "a string") }
        return s
    }

    func int(_ key: String) throws -> Int {
        guard let v = try optionalInt(key) else { throw missing(key) }
        return v
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = file.metadata[key] else { return nil }
        guard let v = value.intValue else { throw wrongType(key, value, "an integer") }
        return v
    }

    func optionalFloat(_ key: String) throws -> Float? {
        guard let value = file.metadata[key] else { return nil }
        guard let v = value.floatValue else { throw wrongType(key, value, "a number") }
        return v
    }

    private func missing(_ key: String) -> GGUFError { GGUFError("\(file.name): metadata key '\(key)' is missing") }

    private func wrongType(_ key: String, _ value: GGUFValue, _ expected: String) -> GGUFError {
        GGUFError("\(file.name): metadata key '\(key)' has type \(value.type), expected \(expected)")
    }
}

extension LlamaConfig {
    /// Writes the `llama.*` hyper-parameter keys (the inverse of `init(gguf:)`), in the order
    /// llama.cpp's converters use, so written files match theirs byte for byte.
    public func addMetadata(to writer: inout GGUFWriter) {
        writer.add("llama.context_length", .uint32(UInt32(contextLength)))
        writer.add("llama.embedding_length", .uint32(UInt32(dim)))
        writer.add("llama.block_count", .uint32(UInt32(layerCount)))
        writer.add("llama.feed_forward_length", .uint32(UInt32(hiddenDim)))
        writer.add("llama.attention.head_count", .uint32(UInt32(headCount)))
        writer.add("llama.attention.head_count_kv", .uint32(UInt32(kvHeadCount)))
        writer.add("llama.rope.dimension_count", .uint32(UInt32(ropeDim)))
        writer.add("llama.rope.freq_base", .float32(ropeFreqBase))
        writer.add("llama.attention.layer_norm_rms_epsilon", .float32(rmsEps))
        writer.add("llama.vocab_size", .uint32(UInt32(vocabSize)))
    }
}
