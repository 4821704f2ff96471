import Kernels
import Model

/// The real model runner: one instance's `ForwardContext` (own scratch, own compute threads pinned
/// to the instance's cores) over a shared, immutable `LlamaModel`.
public final class LlamaRunner: ModelRunner {
    public let model: LlamaModel
    private let context: ForwardContext

    /// `threadsPerInstance`: compute threads for this instance (nil = one per core of the instance).
    public init(model: LlamaModel, placement: InstancePlacement, threadsPerInstance: Int? = nil) {
        self.model = model
        let cores = placement.cores
        let count = max(1, threadsPerInstance ?? max(cores.count, 1))
        let threads = ComputeThreads(count: count, cores: cores.isEmpty ? nil : cores, realtime: placement.realtime)
        // Whole-prompt prefills (colocated-fcfs) are run in pieces of at most 512 rows: same result,
        // bounded scratch memory.
        let chunk = min(placement.maxChunkTokens ?? model.config.contextLength, 512)
        context = ForwardContext(model: model, threads: threads, maxChunkTokens: chunk,
                                 maxBatch: max(placement.maxBatch, 1))
    }

    /// A factory for `Engine` / `EngineSimulation`: every instance shares `model`.
    public static func factory(model: LlamaModel, threadsPerInstance: Int? = nil) -> (InstancePlacement) throws -> ModelRunner {
        { placement in LlamaRunner(model: model, placement: placement, threadsPerInstance: threadsPerInstance) }
    }

    public var frontEnd: ModelFrontEnd { LlamaFrontEnd(model: model) }

    public func kvLayout(blockSize: Int, cacheType: KVCacheType) -> KVLayout { model.kvLayout(blockSize: blockSize, cacheType: cacheType) }

    public func prefill(tokens: [Int32], startPosition: Int, blockTable: [Int32], kv: KVArena) -> [Float] {
        context.prefill(tokens: tokens, startPosition: startPosition, blockTable: blockTable, kv: kv)
    }

    public func decode(_ batch: [DecodeItem], kv: KVArena) -> [[Float]] {
        context.decode(batch.map { DecodeInput(token: $0.token, position: $0.position, blockTable: $0.blockTable) }, kv: kv)
    }

}

/// The text side of a `LlamaModel` (its tokenizer is immutable after loading).
public struct LlamaFrontEnd: ModelFrontEnd {
    public let model: LlamaModel
    public init(model: LlamaModel) { self.model = model }

    public var modelName: String { model.name }
    public var contextLength: Int { model.config.contextLength }
    public var vocabSize: Int { model.config.vocabSize }
    public var eosToken: Int32? { model.tokenizer.eosId >= 0 ? model.tokenizer.eosId : nil }
    public var bosToken: Int32? { model.tokenizer.addsBOS && model.tokenizer.bosId >= 0 ? model.tokenizer.bosId : nil }

    /// Special tokens written in the text (a rendered chat template's `<|im_start|>`) are parsed.
    public func tokenize(_ text: String) -> [Int32] {
        model.tokenizer.encode(text, addBOS: model.tokenizer.addsBOS, parseSpecial: true)
    }

    public func makeSampler(_ params: SamplingParams) -> TokenSampler {
        SamplerBox(Sampler(params: params, vocabSize: model.config.vocabSize))
    }

    public func piece(_ token: Int32, after previous: Int32?) -> [UInt8] {
        isEndOfGeneration(token) ? [] : model.tokenizer.piece(token, after: previous ?? -1)
    }

    public func isEndOfGeneration(_ token: Int32) -> Bool { model.tokenizer.isEndOfGeneration(token) }
}

/// Gives Model's value-type sampler the reference semantics the engine keeps per request.
private final class SamplerBox: TokenSampler {
    private var sampler: Sampler
    init(_ sampler: Sampler) { self.sampler = sampler }
    func sample(_ logits: [Float]) -> Int32 { sampler.sample(logits) }
}
