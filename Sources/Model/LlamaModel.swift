import Kernels

/// A loaded Llama-architecture model: hyper-parameters, weight views into the GGUF bytes, tokenizer.
/// Immutable and shareable across instances; each instance runs it through its own `ForwardContext`.
public final class LlamaModel: Sendable {
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
    /// The chat template (GGUF `tokenizer.chat_template`), or nil when the file has none or pdscope
    /// cannot render it; `chatTemplateProblem` then says why, in one line.
    public let chatTemplate: ChatTemplate?
    public let chatTemplateProblem: String?

    /// `maxContextLength` serves a shorter context than the model was trained for (vLLM's
    /// `--max-model-len`): every buffer sized by the context (KV pools, attention scratch) shrinks.
    public convenience init(file: GGUFFile, maxContextLength: Int? = nil) throws {
        try self.init(file: file, tokenizer: try Tokenizer(gguf: file), maxContextLength: maxContextLength)
    }

    /// The weights of `file` with a given tokenizer (tests that feed token ids made elsewhere, e.g.
    /// llama.cpp's, need no tokenizer of their own).
    init(file: GGUFFile, tokenizer: Tokenizer, maxContextLength: Int? = nil) throws {
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
        self.tokenizer = tokenizer
        guard tokenizer.vocabSize == config.vocabSize else {
            throw GGUFError(message: "\(file.name): tokenizer has \(tokenizer.vocabSize) tokens but the model's vocabulary is \(config.vocabSize)")
        }
        name = file.string("general.name") ?? file.name
        isSynthetic = file.bool("pdscope.synthetic") ?? false
        (chatTemplate, chatTemplateProblem) = LlamaModel.loadChatTemplate(file: file, tokenizer: tokenizer)
    }

    private static func loadChatTemplate(file: GGUFFile, tokenizer: Tokenizer) -> (ChatTemplate?, String?) {
        guard let source = file.string("tokenizer.chat_template") else {
            return (nil, "\(file.name) has no chat template (tokenizer.chat_template)")
        }
        func text(_ id: Int32) -> String { id >= 0 && Int(id) < tokenizer.vocabSize ? tokenizer.tokens[Int(id)] : "" }
        do {
            return (try ChatTemplate(source: source, bosToken: text(tokenizer.bosId), eosToken: text(tokenizer.eosId)), nil)
        } catch {
            return (nil, "\(file.name): its chat template cannot be used: \(error)")
        }
    }

    /// Opens a GGUF file from disk.
    public convenience init(path: String, maxContextLength: Int? = nil) throws {
        try self.init(file: try GGUFFile(path: path), maxContextLength: maxContextLength)
    }

    /// Shape of this model's KV blocks.
    public func kvLayout(blockSize: Int = 16, cacheType: KVCacheType = .f16) -> KVLayout {
        KVLayout(layerCount: config.layerCount, kvDim: config.kvDim, blockSize: blockSize, cacheType: cacheType)
    }
}
