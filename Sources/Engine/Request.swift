/// Where a request is in its life (vLLM's request statuses). Ordered so that "ended" is one test.
public enum RequestState: Equatable, Sendable {
    case waiting
    case prefilling
    case waitingForRemoteKV
    case transferring
    case decoding
    case preempted
    case finished(FinishReason)
    case rejected(String)

    public var isTerminal: Bool {
        switch self {
        case .finished, .rejected: return true
        default: return false
        }
    }
}

/// The engine's record of one request. Mutated only under the engine lock; a step's compute reads
/// copies of what it needs (tokens, block tables) taken while planning.
final class Request {
    let id: RequestID
    let spec: RequestSpec
    let promptCount: Int
    let sampler: TokenSampler
    let arrivalTime: Double

    /// Prompt followed by every sampled token.
    var tokens: [Int32]
    /// Leading tokens whose KV is in `blockTable` (vLLM's num_computed_tokens). A request needs
    /// prefill while `computed < tokens.count`; in decode `computed == tokens.count - 1`.
    var computed = 0
    var state: RequestState = .waiting
    /// Blocks holding this request's KV in the pool of `home`.
    var blockTable: [Int32] = []
    var home: InstanceID?
    /// Earliest time the next queue it sits in may act on it (simulated timelines need this).
    var readyTime: Double

    // Disaggregation.
    var prefillInstance: InstanceID?
    var decodeInstance: InstanceID?
    /// Decode-pool blocks reserved for the incoming KV.
    var reservation: [Int32]?
    /// Its KV sits complete in the prefill pool, ready to be sent.
    var isPrefillDone = false
    /// Times of the copy in flight to the decode pool, reported when the decode side admits it.
    var pendingTransferEnds: [PendingTransferEnd] = []
    /// Prefill chunks so far in the current prefill run (for "chunk k of n").
    var chunkIndex = 0
    var text = UTF8Accumulator()
    /// The output text so far, kept only when the spec has stop strings (to find them across tokens).
    var outputText = ""

    init(id: RequestID, spec: RequestSpec, prompt: [Int32], sampler: TokenSampler, arrivalTime: Double) {
        self.id = id; self.spec = spec; self.tokens = prompt; self.promptCount = prompt.count
        self.sampler = sampler; self.arrivalTime = arrivalTime; self.readyTime = arrivalTime
    }

    var outputCount: Int { tokens.count - promptCount }
    var needsPrefill: Bool { computed < tokens.count }
    var remainingPrefill: Int { max(tokens.count - computed, 0) }
}

/// A kvTransferEnded event waiting for its time to come (emulated link speed).
struct PendingTransferEnd {
    var transfer: Int
    var from: KVLocation
    var to: KVLocation
    var blocks: Int
    var bytes: Int
    var mode: KVTransferMode
    var time: Double
}

/// Turns token pieces (bytes) into text without splitting a multi-byte character between tokens:
/// an incomplete UTF-8 sequence at the end is held back until the next piece completes it.
struct UTF8Accumulator {
    private var pending: [UInt8] = []

    mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        var cut = pending.count
        // Look back at most 3 bytes for a lead byte whose sequence is not complete yet.
        var index = pending.count - 1
        while index >= 0 && index >= pending.count - 3 {
            let byte = pending[index]
            if byte & 0xC0 != 0x80 {
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                if index + length > pending.count && length > 1 { cut = index }
                break
            }
            index -= 1
        }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left (an unfinished sequence becomes U+FFFD).
    mutating func flush() -> String {
        defer { pending = [] }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }
}
