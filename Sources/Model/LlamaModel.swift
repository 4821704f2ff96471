import Kernels

/// A loaded Llama-architecture model: hyper-parameters, weight views into the GGUF bytes, tokenizer.
/// Immutable and shareable across instances; each instance runs it through its own `ForwardContext`.
public final class LlamaModel: @unchecked Sendable {
    public let file: GGUFFile
    public let config: LlamaConfig
    public let tensors: LlamaTensors
    public let tokenizer: Tokenizer
    /// `general.name`, or the file name.
    public let name: String
    /// True for pdscope's seeded random-weight models (`pdscope synth`, the embedded default).
    public let isSynthetic: Bool

    public convenience init(file: GGUFFile) throws {
        try self.init(file: file, tokenizer: try Tokenizer(gguf: file))
    }

    /// The weights of `file` with a given tokenizer (tests that feed token ids made elsewhere, e.g.
    /// llama.cpp's, need no tokenizer of their own).
    init(file: GGUFFile, tokenizer: Tokenizer) throws {
        self.file = file
        config = try LlamaConfig(gguf: file)
        tensors = try LlamaTensors(gguf: file, config: config)
        self.tokenizer = tokenizer
        guard tokenizer.vocabSize == config.vocabSize else {
            throw GGUFError(message: "\(file.name): tokenizer has \(tokenizer.vocabSize) tokens but the model's vocabulary is \(config.vocabSize)")
        }
        name = file.string("general.name") ?? file.name
        isSynthetic = file.bool("pdscope.synthetic") ?? false
    }

    /// Opens a GGUF file from disk.
    public convenience init(path: String) throws {
        try self.init(file: try GGUFFile(path: path))
    }

    /// Shape of this model's KV blocks.
    public func kvLayout(blockSize: Int = 16) -> KVLayout {
        KVLayout(layerCount: config.layerCount, kvDim: config.kvDim, blockSize: blockSize)
    }
}
