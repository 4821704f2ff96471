/// How the next token is chosen from logits. `temperature == 0` means greedy (argmax).
/// `seed` makes sampling reproducible per request: same seed, same tokens.
public struct SamplingParams: Equatable, Hashable, Sendable, Codable {
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = off).
    public var topK: Int
    /// Keep the smallest set of tokens whose probability mass reaches p (1 = off).
    public var topP: Float
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.seed = seed
    }

    public static let greedy = SamplingParams()
    public var isGreedy: Bool { temperature <= 0 }
}
