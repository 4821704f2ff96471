import Kernels

/// Llama-architecture models with random weights and an English-like vocabulary, built in memory.
///
/// They make the engine's timing real (same shapes, same bytes per token as a trained model of
/// that size) without shipping weights: the text they produce is word-shaped nonsense. Every
/// file says what it is (`general.name` and `pdscope.synthetic = true`) so no output is mistaken
/// for a trained model's. Same shape, type and seed always give byte-identical files.
/// Control and byte tokens are kept out of generations by a bias channel (`biasChannel`), so
/// sampled text is printable word pieces and generations end at their token limit, not at EOS.
public enum SyntheticModel {
    /// The metadata key marking a synthetic file.
    public static let metadataKey = "pdscope.synthetic"

    /// Model shapes. Vocabularies are kept small (random logits over 32,000 tokens would only add
    /// classifier cost, not realism).
    public enum Shape: String, CaseIterable, Sendable {
        /// For fast tests: 2 layers of width 64 (ffn_down rows of 172 stay F32, as in stories260K).
        case tiny
        /// TinyStories 15M's body (dim 288, 6 layers), with a 4,096-token vocabulary instead of 32,000.
        case stories15m
        /// SmolLM-135M's body (dim 576, 30 layers, GQA 9/3, rope base 100,000) with vocabulary 512,
        /// matching the llama.cpp peer measurement in PERFORMANCE.md (113.6 MB at Q8_0).
        case smollm135m = "smollm-135m"
        /// pdscope's embedded default: SmolLM-like, 12 layers, vocabulary 2,048, about 47 MB at Q8_0:
        /// on one core a 2,000-token prefill takes seconds while a decode step takes ~10-30 ms.
        case pdscopeDefault = "default"

        public var config: LlamaConfig {
            switch self {
            case .tiny:
                return LlamaConfig(dim: 64, hiddenDim: 172, layerCount: 2, headCount: 4, kvHeadCount: 2,
                                   vocabSize: 512, contextLength: 512)
            case .stories15m:
                return LlamaConfig(dim: 288, hiddenDim: 768, layerCount: 6, headCount: 6, kvHeadCount: 6,
                                   vocabSize: 4096, contextLength: 1024)
            case .smollm135m:
                return LlamaConfig(dim: 576, hiddenDim: 1536, layerCount: 30, headCount: 9, kvHeadCount: 3,
                                   vocabSize: 512, contextLength: 4096, ropeFreqBase: 100_000)
            case .pdscopeDefault:
                return LlamaConfig(dim: 576, hiddenDim: 1536, layerCount: 12, headCount: 9, kvHeadCount: 3,
                                   vocabSize: 2048, contextLength: 2048, ropeFreqBase: 10_000)
            }
        }
    }

    /// The complete GGUF file. Matrices whose rows are not a whole number of `type`'s blocks stay
    /// F32; norms are F32 ones. O(parameters): the default shape at Q8_0 is 92.9 MB, built in
    /// about 0.35 s of CPU in a release build.
    public static func makeGGUF(shape: Shape, type: TensorType, seed: UInt64) -> [UInt8] {
        makeWriter(shape: shape, type: type, seed: seed).serialize()
    }

    /// The tokenizer every synthetic model of this vocabulary size carries (at least
    /// `SyntheticVocabulary.minimumSize`, 334, tokens).
    public static func makeTokenizer(vocabSize: Int) throws -> Tokenizer {
        guard vocabSize >= SyntheticVocabulary.minimumSize else {
            throw TokenizerError.invalid("a synthetic vocabulary needs at least \(SyntheticVocabulary.minimumSize) tokens, not \(vocabSize)")
        }
        let v = SyntheticVocabulary.make(size: vocabSize)
        return try Tokenizer(tokens: v.tokens, scores: v.scores, types: v.types, bosId: 1, eosId: 2, unkId: 0,
                              addBOS: true, addSpacePrefix: true)
    }

    /// Whether a file was made here (carries `pdscope.synthetic = true`).
    public static func isSynthetic(_ file: GGUFFile) -> Bool { file.bool(metadataKey) == true }

    static func makeWriter(shape: Shape, type: TensorType, seed: UInt64) -> GGUFWriter {
        let c = shape.config
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.add("general.name", .string("synthetic \(shape.rawValue) (seed \(seed), random weights)"))
        w.add(metadataKey, .bool(true))
        w.add("pdscope.synthetic.shape", .string(shape.rawValue))
        w.add("pdscope.synthetic.seed", .uint64(seed))
        c.addMetadata(to: &w)
        w.add("general.file_type", .uint32(Llama2cConverter.fileType(type)))
        addTokenizer(vocabSize: c.vocabSize, to: &w)

        // Each tensor draws from its own stream (seed, tensor number): the bytes of one tensor do
        // not depend on how the others are generated.
        var tensorNumber: UInt64 = 0
        func matrix(_ name: String, rows: Int, cols: Int, std: Float,
                    edit: (inout [UInt8], TensorType) -> Void = { _, _ in }) {
            tensorNumber += 1
            let t = cols % type.blockSize == 0 ? type : .f32
            var data = SyntheticWeights.matrix(rows: rows, cols: cols, type: t, std: std,
                                               seed: seed &+ tensorNumber &* 0x9E37_79B9_7F4A_7C15)
            edit(&data, t)
            w.addTensor(name: name, type: t, shape: [cols, rows], data: data)
        }
        func norm(_ name: String) { w.addTensor(name: name, type: .f32, shape: [c.dim], data: SyntheticWeights.ones(c.dim)) }
        func fanIn(_ n: Int) -> Float { 1 / Float(n).squareRoot() }
        // The bias channel (see `biasChannel`): inputs ignore dimension 0, outputs never write it.
        func ignoreChannel(rows: Int, cols: Int) -> (inout [UInt8], TensorType) -> Void {
            { data, t in for r in 0..<rows { SyntheticWeights.setElement(&data, row: r, col: 0, cols: cols, type: t, value: 0) } }
        }
        func keepChannel(cols: Int) -> (inout [UInt8], TensorType) -> Void {
            { data, t in SyntheticWeights.zeroRow(&data, row: 0, cols: cols, type: t) }
        }
        let channel = biasChannel(c)

        // Embeddings of unit scale, like the residual stream they start; matrices 1/sqrt(fan_in)
        // so each projection keeps unit-scale activations and the logits have unit spread.
        matrix("token_embd.weight", rows: c.vocabSize, cols: c.dim, std: 1) { data, t in
            for r in 0..<c.vocabSize { SyntheticWeights.setElement(&data, row: r, col: 0, cols: c.dim, type: t, value: channel.embedding) }
        }
        norm("output_norm.weight")
        matrix("output.weight", rows: c.vocabSize, cols: c.dim, std: fanIn(c.dim)) { data, t in
            for r in 0..<c.vocabSize {
                let value: Float = r < SyntheticVocabulary.specialCount ? -channel.suppression : 0
                SyntheticWeights.setElement(&data, row: r, col: 0, cols: c.dim, type: t, value: value)
            }
        }
        for l in 0..<c.layerCount {
            let p = "blk.\(l)."
            norm(p + "attn_norm.weight")
            matrix(p + "attn_q.weight", rows: c.dim, cols: c.dim, std: fanIn(c.dim), edit: ignoreChannel(rows: c.dim, cols: c.dim))
            matrix(p + "attn_k.weight", rows: c.kvDim, cols: c.dim, std: fanIn(c.dim), edit: ignoreChannel(rows: c.kvDim, cols: c.dim))
            matrix(p + "attn_v.weight", rows: c.kvDim, cols: c.dim, std: fanIn(c.dim), edit: ignoreChannel(rows: c.kvDim, cols: c.dim))
            matrix(p + "attn_output.weight", rows: c.dim, cols: c.dim, std: fanIn(c.dim), edit: keepChannel(cols: c.dim))
            norm(p + "ffn_norm.weight")
            matrix(p + "ffn_gate.weight", rows: c.hiddenDim, cols: c.dim, std: fanIn(c.dim), edit: ignoreChannel(rows: c.hiddenDim, cols: c.dim))
            matrix(p + "ffn_up.weight", rows: c.hiddenDim, cols: c.dim, std: fanIn(c.dim), edit: ignoreChannel(rows: c.hiddenDim, cols: c.dim))
            matrix(p + "ffn_down.weight", rows: c.dim, cols: c.hiddenDim, std: fanIn(c.hiddenDim), edit: keepChannel(cols: c.hiddenDim))
        }
        return w
    }

    /// Random weights would make the control and byte tokens (half of a 512-token vocabulary)
    /// as likely as words, and random bytes print as broken UTF-8 and terminal escapes. So residual
    /// dimension 0 is a constant "bias channel": every embedding has `embedding` there, no layer
    /// reads it (column 0 of Q/K/V/gate/up is zero) or writes it (row 0 of attn_output/ffn_down is
    /// zero), and the classifier rows of ids below the word pieces have `-suppression` there. After
    /// the final RMSNorm that channel is several units large, which pushes those tokens' logits far
    /// below the words'. EOS is among them: synthetic generations end at their token limit.
    static func biasChannel(_ c: LlamaConfig) -> (embedding: Float, suppression: Float) {
        (Float(c.dim).squareRoot(), 2)
    }

    private static func addTokenizer(vocabSize: Int, to w: inout GGUFWriter) {
        let v = SyntheticVocabulary.make(size: vocabSize)
        w.add("tokenizer.ggml.model", .string("llama"))
        w.add("tokenizer.ggml.tokens", .array(.string, v.tokens.map { .string($0) }))
        w.add("tokenizer.ggml.scores", .array(.float32, v.scores.map { .float32($0) }))
        w.add("tokenizer.ggml.token_type", .array(.int32, v.types.map { .int32($0) }))
        w.add("tokenizer.ggml.unknown_token_id", .uint32(0))
        w.add("tokenizer.ggml.bos_token_id", .uint32(1))
        w.add("tokenizer.ggml.eos_token_id", .uint32(2))
        w.add("tokenizer.ggml.add_bos_token", .bool(true))
        w.add("tokenizer.ggml.add_eos_token", .bool(false))
        w.add("tokenizer.ggml.add_space_prefix", .bool(true))
    }
}
