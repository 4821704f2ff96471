/// Where a request is in its life (vLLM's request statuses). Ordered by progress, terminal states
/// last, so "ended" is one test (`state >= .finished(.stop)` or `isTerminal`).
public enum RequestState: Equatable, Hashable, Sendable, Comparable {
    case waiting
    case prefilling
    case waitingForRemoteKV
    case transferring
    /// Prefilled (and its KV moved), waiting for a place in a decode batch. The engine reports
    /// such requests as `transferring` or `decoding`; observers that see only events (the
    /// dashboard) use it for a request queued again after its prefill.
    case decodeWaiting
    case decoding
    case preempted
    case finished(FinishReason)
    case rejected(String)

    public var isTerminal: Bool { rank >= 7 }

    /// Position in the order above.
    public var rank: Int {
        switch self {
        case .waiting: return 0
        case .prefilling: return 1
        case .waitingForRemoteKV: return 2
        case .transferring: return 3
        case .decodeWaiting: return 4
        case .decoding: return 5
        case .preempted: return 6
        case .finished: return 7
        case .rejected: return 8
        }
    }

    public static func < (a: RequestState, b: RequestState) -> Bool {
        switch (a, b) {
        case let (.finished(x), .finished(y)): return x.rawValue < y.rawValue
        case let (.rejected(x), .rejected(y)): return x < y
        default: return a.rank < b.rank
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
    /// The instance whose waiting queue holds it (nil when in no waiting queue).
    var queuedOn: InstanceID?
    /// Earliest time the next queue it sits in may act on it (simulated timelines need this).
    var readyTime: Double
    /// Prefill chunks so far in the current prefill run (for "chunk k of n").
    var chunkIndex = 0
    var text = UTF8Accumulator()
    /// The output text so far, kept only when the spec has stop strings (to find them across tokens).
    var outputText = ""
    /// A disaggregated prompt's first token, sampled on the prefill instance and delivered when the
    /// decode instance takes the request into its batch, after the KV transfer (as SGLang's decode
    /// server and vLLM's PD proxy deliver it): the transfer counts in TTFT, not in the first gap.
    var heldFirstToken: Int32?

    init(id: RequestID, spec: RequestSpec, prompt: [Int32], sampler: TokenSampler, arrivalTime: Double) {
        self.id = id; self.spec = spec; self.tokens = prompt; self.promptCount = prompt.count
        self.sampler = sampler; self.arrivalTime = arrivalTime; self.readyTime = arrivalTime
    }

    var outputCount: Int { tokens.count - promptCount }
    var needsPrefill: Bool { computed < tokens.count }
    var remainingPrefill: Int { max(tokens.count - computed, 0) }
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
