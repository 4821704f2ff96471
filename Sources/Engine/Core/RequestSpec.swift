import Model

/// What a user asks for: the definition of one request, as read from a workload or trace file,
/// typed at the keyboard, or made by a load generator. The engine turns it into a running request.
public struct RequestSpec: Equatable, Sendable, Codable {
    /// The prompt: literal text, or a number of tokens to synthesize (imported traces carry only lengths).
    public enum Prompt: Equatable, Sendable, Codable {
        case text(String)
        /// `count` synthetic tokens; `prefixKeys` (optional) name shared prefix segments so that
        /// requests with equal keys get identical leading tokens (Mooncake's hash_ids).
        case synthetic(count: Int, prefixKeys: [Int], segmentTokens: Int)
    }

    /// Seconds after the start of the run at which the request arrives.
    public var arrivalOffset: Double
    public var user: String
    public var prompt: Prompt
    public var maxTokens: Int
    public var sampling: SamplingParams
    /// Generation ends (reason `stop`) as soon as the output text contains one of these (OpenAI's
    /// `stop`). The engine stops; cutting the text before the match is the caller's business.
    public var stop: [String]
    /// Keep generating after the end-of-sequence token (vLLM's `ignore_eos`, for benchmarks).
    public var ignoreEOS: Bool

    public init(arrivalOffset: Double = 0, user: String, prompt: Prompt, maxTokens: Int, sampling: SamplingParams = .greedy,
                stop: [String] = [], ignoreEOS: Bool = false) {
        self.arrivalOffset = arrivalOffset; self.user = user; self.prompt = prompt
        self.maxTokens = maxTokens; self.sampling = sampling
        self.stop = stop; self.ignoreEOS = ignoreEOS
    }
}
