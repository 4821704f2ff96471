import Kernels
import Model

/// A model runner without weights, for scheduling tests and demos. Each call advances a manual
/// clock by a scripted cost, and its "logits" are a deterministic function of the KV it reads back
/// from the arena, so a wrong block table or a broken KV transfer changes the generated text.
public final class FakeModelRunner: ModelRunner {
    /// Scripted compute costs in seconds.
    public struct Costs: Equatable, Sendable {
        public var prefillFixed: Double
        public var prefillPerToken: Double
        public var decodeFixed: Double
        public var decodePerSequence: Double
        public init(prefillFixed: Double = 0, prefillPerToken: Double = 0.001,
                    decodeFixed: Double = 0.010, decodePerSequence: Double = 0) {
            self.prefillFixed = prefillFixed; self.prefillPerToken = prefillPerToken
            self.decodeFixed = decodeFixed; self.decodePerSequence = decodePerSequence
        }
    }

    public let modelName = "fake"
    public let contextLength: Int
    public let vocabSize: Int
    public let eosToken: Int32?
    public let bosToken: Int32? = 1
    public let costs: Costs
    private let clock: ManualClock?
    /// Tokens computed by prefill calls and sequences run by decode calls (for assertions).
    public private(set) var prefilledTokenCount = 0
    public private(set) var decodedSequenceCount = 0

    /// `eos`: a token the fake never produces unless set; when set, the fake emits it once a
    /// sequence reaches `eosAfterPosition`.
    public init(clock: ManualClock?, costs: Costs = Costs(), contextLength: Int = 512,
                vocabSize: Int = 64, eos: Int32? = nil, eosAfterPosition: Int = .max) {
        self.clock = clock; self.costs = costs; self.contextLength = contextLength
        self.vocabSize = vocabSize; self.eosToken = eos; self.eosAfterPosition = eosAfterPosition
    }
    private let eosAfterPosition: Int

    public func kvLayout(blockSize: Int, cacheType: KVCacheType) -> KVLayout {
        KVLayout(layerCount: 1, kvDim: 4, blockSize: blockSize, cacheType: cacheType)
    }

    public var frontEnd: ModelFrontEnd {
        FakeFrontEnd(contextLength: contextLength, vocabSize: vocabSize, eosToken: eosToken, bosToken: bosToken)
    }
    public func tokenize(_ text: String) -> [Int32] { frontEnd.tokenize(text) }

    public func prefill(tokens: [Int32], startPosition: Int, blockTable: [Int32], kv: KVArena) -> [Float] {
        clock?.advanceTime(by: costs.prefillFixed + costs.prefillPerToken * Double(tokens.count))
        prefilledTokenCount += tokens.count
        for (offset, token) in tokens.enumerated() {
            write(token: token, position: startPosition + offset, blockTable: blockTable, kv: kv)
        }
        return logits(length: startPosition + tokens.count, blockTable: blockTable, kv: kv)
    }

    public func decode(_ batch: [DecodeItem], kv: KVArena) -> [[Float]] {
        clock?.advanceTime(by: costs.decodeFixed + costs.decodePerSequence * Double(batch.count))
        decodedSequenceCount += batch.count
        return batch.map { item in
            write(token: item.token, position: item.position, blockTable: item.blockTable, kv: kv)
            return logits(length: item.position + 1, blockTable: item.blockTable, kv: kv)
        }
    }


    // A K row's first 8 bytes hold the token and its position + 1 (so an unwritten slot reads as 0).
    private func write(token: Int32, position: Int, blockTable: [Int32], kv: KVArena) {
        let key = Self.row(position, blockTable: blockTable, kv: kv)
        key.storeBytes(of: UInt32(bitPattern: token), as: UInt32.self)
        key.storeBytes(of: UInt32(position + 1), toByteOffset: 4, as: UInt32.self)
    }

    private static func row(_ position: Int, blockTable: [Int32], kv: KVArena) -> UnsafeMutableRawPointer {
        let bs = kv.layout.blockSize
        return kv.keys(block: Int(blockTable[position / bs]), layer: 0)
            + (position % bs) * kv.layout.kvDim * kv.layout.cacheType.bytesPerElement
    }

    private func logits(length: Int, blockTable: [Int32], kv: KVArena) -> [Float] {
        let bs = kv.layout.blockSize
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for position in 0..<length {
            let key = Self.row(position, blockTable: blockTable, kv: kv)
            // A slot that does not hold what was written there (lost transfer) poisons the hash.
            let written = key.loadUnaligned(fromByteOffset: 4, as: UInt32.self) == UInt32(position + 1)
            let value = written ? UInt64(key.loadUnaligned(as: UInt32.self)) : 0xDEAD
            hash = (hash ^ value) &* 0x100_0000_01B3
        }
        var result = [Float](repeating: 0, count: vocabSize)
        if let eos = eosToken, length > eosAfterPosition {
            result[Int(eos)] = 1
            return result
        }
        var next = 3 + Int(hash % UInt64(vocabSize - 3))
        if Int32(next) == eosToken { next = 3 }
        result[next] = 1
        return result
    }
}

/// The fake model's text side: bytes map onto the vocabulary, tokens print as `<id>`.
public struct FakeFrontEnd: ModelFrontEnd {
    public let modelName = "fake"
    public let contextLength: Int
    public let vocabSize: Int
    public let eosToken: Int32?
    public let bosToken: Int32?

    public func tokenize(_ text: String) -> [Int32] {
        [bosToken!] + text.utf8.map { Int32(3 + Int($0) % (vocabSize - 3)) }
    }

    public func makeSampler(_ params: SamplingParams) -> TokenSampler { ArgmaxSampler() }

    public func piece(_ token: Int32, after previous: Int32?) -> [UInt8] {
        token == eosToken ? [] : Array("<\(token)>".utf8)
    }
}
