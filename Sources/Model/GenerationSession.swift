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
    public var text: String
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

    public init(model: LlamaModel, threads: ComputeThreads = ComputeThreads(count: 1), blockSize: Int = 16) {
        self.model = model
        context = ForwardContext(model: model, threads: threads)
        let layout = model.kvLayout(blockSize: blockSize)
        let blocks = layout.blocksNeeded(tokens: model.config.contextLength)
        arena = KVArena(layout: layout, blockCount: blocks)
        blockTable = (0..<blocks).map { Int32($0) }
    }

    /// Encodes `prompt` (with BOS), emits the prompt's own text and then each new piece through `emit`.
    public func generate(prompt: String, maxNewTokens: Int, sampling: SamplingParams, emit: (String) -> Void = { _ in }) throws -> GenerationResult {
        let tok = model.tokenizer
        let promptTokens = tok.encode(prompt, addBOS: true)
        let context = model.config.contextLength
        guard promptTokens.count < context else {
            throw GenerationError(description: "prompt is \(promptTokens.count) tokens but the model's context is \(context) tokens")
        }
        var decoder = StreamingTextDecoder()
        var text = ""
        func output(_ token: Int32, after previous: Int32) {
            let chunk = decoder.append(tok.piece(token, after: previous))
            text += chunk
            if !chunk.isEmpty { emit(chunk) }
        }
        for i in 1..<max(1, promptTokens.count) { output(promptTokens[i], after: promptTokens[i - 1]) }

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
            if next == tok.eosId { stop = "eos"; break }
            if next == tok.bosId { stop = "bos"; break }
            generated.append(next)
            output(next, after: previous)
            previous = next
            if generated.count == maxNewTokens { break }
            guard position < context else { stop = "context-full"; break }
            logits = self.context.decode([DecodeInput(token: next, position: position, blockTable: blockTable)], kv: arena)[0]
            position += 1
        }
        let flushed = decoder.finish()
        if !flushed.isEmpty { text += flushed; emit(flushed) }
        let t2 = DispatchTime.now().uptimeNanoseconds
        return GenerationResult(promptTokens: promptTokens.count, generatedTokens: generated.count, tokens: generated,
                                text: text, stopReason: stop,
                                prefillSeconds: Double(t1 - t0) / 1e9, decodeSeconds: Double(t2 - t1) / 1e9)
    }
}
