import Foundation
import Kernels

/// Errors a generation can hit because of its input (not programming errors).
public struct GenerationError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// What one `generate` call did.
public struct GenerationResult: Equatable {
    public var promptTokens: Int
    public var generatedTokens: Int
    public var tokens: [Int32]
    /// Everything passed to `emit`: the prompt's echo (when asked for), then the completion.
    public var text: String
    /// The generated text alone.
    public var completion: String
    /// "eos", "bos", "max-tokens" or "context-full".
    public var stopReason: String
    public var prefillSeconds: Double
    public var decodeSeconds: Double
}

/// Single-sequence generation on one `ForwardContext` with its own KV arena: the path of
/// `pdscope generate`, the golden tests and the model benchmark (the engine schedules many).
public final class GenerationSession {
    public let model: LlamaModel
    public let context: ForwardContext
    public let arena: KVArena
    public let blockTable: [Int32]

    public init(model: LlamaModel, threads: ComputeThreads = ComputeThreads(count: 1), blockSize: Int = 16,
                cacheType: KVCacheType = .f16) {
        self.model = model
        context = ForwardContext(model: model, threads: threads)
        let layout = model.kvLayout(blockSize: blockSize, cacheType: cacheType)
        let blocks = layout.blocksNeeded(tokens: model.config.contextLength)
        arena = KVArena(layout: layout, blockCount: blocks)
        blockTable = (0..<blocks).map { Int32($0) }
    }

    /// Encodes `prompt` (BOS first when the model wants one; special tokens written in it are
    /// parsed) and generates from it; see `generate(promptTokens:...)`.
    public func generate(prompt: String, maxNewTokens: Int, sampling: SamplingParams, echoPrompt: Bool = true,
                         emit: (String) -> Void = { _ in }) throws -> GenerationResult {
        try generate(promptTokens: model.tokenizer.encode(prompt), maxNewTokens: maxNewTokens, sampling: sampling,
                     echoPrompt: echoPrompt, emit: emit)
    }

    /// Runs `promptTokens` and samples up to `maxNewTokens` more. With `echoPrompt`, the prompt's
    /// own text goes through `emit` first; then each new piece does, as it is generated (never
    /// half a UTF-8 character). Stops at an end-of-generation token (EOS, `<|im_end|>`; not part
    /// of the result), at BOS for models that start every prompt with BOS (llama2.c stories end
    /// that way), at `maxNewTokens`, or when the context is full.
    public func generate(promptTokens: [Int32], maxNewTokens: Int, sampling: SamplingParams, echoPrompt: Bool = true,
                         emit: (String) -> Void = { _ in }) throws -> GenerationResult {
        let tok = model.tokenizer
        let context = model.config.contextLength
        guard !promptTokens.isEmpty else {
            throw GenerationError(description: "the prompt is empty and this model adds no BOS token: give some text")
        }
        guard promptTokens.count < context else {
            throw GenerationError(description: "prompt is \(promptTokens.count) tokens but the model's context is \(context) tokens")
        }
        if let bad = promptTokens.first(where: { $0 < 0 || Int($0) >= model.config.vocabSize }) {
            throw GenerationError(description: "token id \(bad) is outside the vocabulary of \(model.config.vocabSize)")
        }
        var decoder = StreamingTextDecoder()
        var text = "", completion = ""
        func output(_ token: Int32, after previous: Int32, generated: Bool) {
            let chunk = decoder.append(tok.piece(token, after: previous))
            text += chunk
            if generated { completion += chunk }
            if !chunk.isEmpty { emit(chunk) }
        }
        if echoPrompt {
            for i in promptTokens.indices { output(promptTokens[i], after: i > 0 ? promptTokens[i - 1] : -1, generated: false) }
            // A prompt ends on a whole character; anything held is a broken prompt's tail.
            let rest = decoder.finish()
            if !rest.isEmpty { text += rest; emit(rest) }
        }

        var sampler = Sampler(params: sampling, vocabSize: model.config.vocabSize)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var logits = self.context.prefill(tokens: promptTokens, startPosition: 0, blockTable: blockTable, kv: arena)
        let t1 = DispatchTime.now().uptimeNanoseconds
        var generated: [Int32] = []
        var previous = promptTokens.last!
        var position = promptTokens.count
        var stop = "max-tokens"
        while generated.count < maxNewTokens {
            let next = sampler.sample(logits)
            if tok.isEndOfGeneration(next) { stop = "eos"; break }
            if next == tok.bosId, tok.addsBOS { stop = "bos"; break }
            generated.append(next)
            output(next, after: previous, generated: true)
            previous = next
            if generated.count == maxNewTokens { break }
            guard position < context else { stop = "context-full"; break }
            logits = self.context.decode([DecodeInput(token: next, position: position, blockTable: blockTable)], kv: arena)[0]
            position += 1
        }
        let flushed = decoder.finish()
        if !flushed.isEmpty { text += flushed; completion += flushed; emit(flushed) }
        let t2 = DispatchTime.now().uptimeNanoseconds
        return GenerationResult(promptTokens: promptTokens.count, generatedTokens: generated.count, tokens: generated,
                                text: text, completion: completion, stopReason: stop,
                                prefillSeconds: Double(t1 - t0) / 1e9, decodeSeconds: Double(t2 - t1) / 1e9)
    }
}
