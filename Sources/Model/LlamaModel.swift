import Kernels

/// A loaded Llama-architecture model: hyper-parameters, weight views into the GGUF bytes, tokenizer.
/// Immutable and shareable across instances; each instance runs it through its own `ForwardContext`.
public final class LlamaModel: @unchecked Sendable {
    public let file: GGUFFile
    /// Hyper-parameters; `contextLength` is the served context (see `init(file:maxContextLength:)`).
    public let config: LlamaConfig
    /// `llama.context_length` as the file states it.
    public let trainedContextLength: Int
    public let tensors: LlamaTensors
    public let tokenizer: Tokenizer
    /// `general.name`, or the file name.
    public let name: String
    /// True for pdscope's seeded random-weight models (`pdscope synth`, the embedded default).
    public let isSynthetic: Bool

    /// `maxContextLength` serves a shorter context than the model was trained for (vLLM's
    /// `--max-model-len`): every buffer sized by the context (KV pools, attention scratch) shrinks.
    public init(file: GGUFFile, maxContextLength: Int? = nil) throws {
        self.file = file
        var config = try LlamaConfig(gguf: file)
        trainedContextLength = config.contextLength
        if let limit = maxContextLength {
            guard limit >= 1 && limit <= config.contextLength else {
                throw GGUFError(message: "\(file.name): a context of \(limit) tokens was asked for, but the model supports 1 to \(config.contextLength)")
            }
            config.contextLength = limit
        }
        self.config = config
        tensors = try LlamaTensors(gguf: file, config: config)
        tokenizer = try Tokenizer(gguf: file)
        guard tokenizer.vocabSize == config.vocabSize else {
            throw GGUFError(message: "\(file.name): tokenizer has \(tokenizer.vocabSize) tokens but the model's vocabulary is \(config.vocabSize)")
        }
        name = file.string("general.name") ?? file.name
        isSynthetic = file.bool("pdscope.synthetic") ?? false
    }

    /// Opens a GGUF file from disk.
    public convenience init(path: String, maxContextLength: Int? = nil) throws {
        try self.init(file: try GGUFFile(path: path), maxContextLength: maxContextLength)
    }

    /// Shape of this model's KV blocks.
    public func kvLayout(blockSize: Int = 16) -> KVLayout {
        KVLayout(layerCount: config.layerCount, kvDim: config.kvDim, blockSize: blockSize)
    }
}
