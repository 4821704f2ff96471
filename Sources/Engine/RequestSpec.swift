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

    public init(arrivalOffset: Double = 0, user: String, prompt: Prompt, maxTokens: Int, sampling: SamplingParams = .greedy) {
        self.arrivalOffset = arrivalOffset; self.user = user; self.prompt = prompt
        self.maxTokens = maxTokens; self.sampling = sampling
    }
}
