import Kernels
import Model

/// One sequence in a decode batch: feed `token` at `position`, whose KV goes into `blockTable`.
public struct DecodeItem: Equatable, Sendable {
    public var token: Int32
    public var position: Int
    public var blockTable: [Int32]
    public init(token: Int32, position: Int, blockTable: [Int32]) {
        self.token = token; self.position = position; self.blockTable = blockTable
    }
}

/// Picks the next token from logits; one per request, so seeded sampling is reproducible.
public protocol TokenSampler: AnyObject {
    func sample(_ logits: [Float]) -> Int32
}

/// Greedy choice: the index of the largest logit (lowest index on ties).
public final class ArgmaxSampler: TokenSampler {
    public init() {}
    public func sample(_ logits: [Float]) -> Int32 {
        var best = 0
        for index in logits.indices where logits[index] > logits[best] { best = index }
        return Int32(best)
    }
}

/// The model's text side: tokenizer, detokenizer, sampler factory and vocabulary facts. Separate
/// from the compute runner and `Sendable`, so a submitting thread can tokenize before it takes
/// the engine lock while every instance keeps computing with its own runner.
public protocol ModelFrontEnd: Sendable {
    var modelName: String { get }
    /// Longest sequence (prompt + output) the model supports.
    var contextLength: Int { get }
    var vocabSize: Int { get }
    /// End-of-sequence token, or nil when the model has none.
    var eosToken: Int32? { get }
    /// Beginning-of-sequence token put in front of prompts, or nil.
    var bosToken: Int32? { get }
    /// Tokens of a text prompt (with BOS when the model uses one).
    func tokenize(_ text: String) -> [Int32]
    /// A sampler for one request.
    func makeSampler(_ params: SamplingParams) -> TokenSampler
    /// Bytes of `token`'s text, given the token before it (SentencePiece drops a leading space after BOS).
    func piece(_ token: Int32, after previous: Int32?) -> [UInt8]
    /// Whether sampling `token` ends the request: EOS, and end-of-turn tokens such as `<|im_end|>`.
    func isEndOfGeneration(_ token: Int32) -> Bool
}

extension ModelFrontEnd {
    /// Models that know only EOS.
    public func isEndOfGeneration(_ token: Int32) -> Bool { token == eosToken }
}

/// What one instance needs from a model to compute. Each instance owns its own runner (own scratch
/// buffers, own compute threads pinned to the instance's cores); the engine never calls one runner
/// from two threads at once. The scheduler never calls the runner: only the step executor does.
public protocol ModelRunner: AnyObject {
    /// The text side, shared by every runner of the model.
    var frontEnd: ModelFrontEnd { get }
    /// The KV block shape this model needs for `blockSize` token slots.
    func kvLayout(blockSize: Int, cacheType: KVCacheType) -> KVLayout
    /// Runs `tokens` at positions `startPosition...`, writing their KV through `blockTable`.
    /// Returns the logits of the last token.
    func prefill(tokens: [Int32], startPosition: Int, blockTable: [Int32], kv: KVArena) -> [Float]
    /// Runs one token for each sequence; returns logits per sequence, in order.
    func decode(_ batch: [DecodeItem], kv: KVArena) -> [[Float]]
}

/// Where and as what an instance runs; given to the runner factory.
public struct InstancePlacement: Equatable, Sendable {
    public var instance: InstanceID
    public var role: InstanceRole
    /// The cores the instance's threads are pinned to (empty = unpinned).
    public var cores: [Int]
    /// Largest prefill chunk (nil = whole prompts up to the context length) and decode batch the engine asks for.
    public var maxChunkTokens: Int?
    public var maxBatch: Int
    /// Run the instance's threads in the real-time class (`EngineConfig.realtimeDecode`, decode
    /// instances on pinned cores only).
    public var realtime = false
}

/// Makes prompts for `RequestSpec.Prompt.synthetic`. Deterministic: equal prefix keys give equal
/// leading tokens (so a KV store can hit on them), the rest depends on `salt` (the request id).
public enum SyntheticPrompt {
    public static func tokens(count: Int, prefixKeys: [Int], segmentTokens: Int, salt: UInt64,
                              vocabSize: Int, bos: Int32?, eos: Int32?) -> [Int32] {
        guard count > 0 else { return [] }
        var result: [Int32] = []
        result.reserveCapacity(count)
        if let bos { result.append(bos) }
        // Token ids 0..<3 are special in Llama vocabularies (unk, bos, eos): never synthesize them.
        let low = min(3, max(vocabSize - 1, 0))
        func draw(_ rng: inout SplitMix64) -> Int32 {
            while true {
                let token = Int32(low + Int(rng.next() % UInt64(max(vocabSize - low, 1))))
                if token != bos && token != eos { return token }
            }
        }
        let segment = max(segmentTokens, 1)
        for key in prefixKeys where result.count < count {
            var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: Int64(key)))
            for _ in 0..<segment where result.count < count { result.append(draw(&rng)) }
        }
        var rng = SplitMix64(seed: 0xD1B5_4A32_D192_ED03 &* (salt &+ 1))
        while result.count < count { result.append(draw(&rng)) }
        return result
    }
}

/// A tiny deterministic generator (SplitMix64), so synthetic prompts are the same on every run.
public struct SplitMix64 {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
