/// The workloads shipped in `Traces/`: their settings live here so that the tests, which check
/// the committed files are reproducible, and `pdscope workload` generate identical files.
public struct ShippedWorkload: Sendable {
    public var fileName: String
    public var kind: WorkloadKind
    public var rate: Double
    public var duration: Double
    public var seed: UInt64
    public var description: String

    /// The embedded default model's context: long prompts are sized to fit it.
    public static let contextLength = 2048

    public static let all: [ShippedWorkload] = [
        ShippedWorkload(fileName: "steady-chat.jsonl", kind: .steady, rate: 1.0, duration: 60, seed: 1,
                        description: "five users chatting with short story prompts, about one request per second"),
        ShippedWorkload(fileName: "long-prompt-storm.jsonl", kind: .longPromptStorm, rate: 1.0, duration: 60, seed: 2,
                        description: "the same chat, plus a ~1900-token prompt every 3-5 s that stalls everyone's decode"),
        ShippedWorkload(fileName: "mixed-day.jsonl", kind: .mixed, rate: 2.0, duration: 120, seed: 3,
                        description: "lognormal prompt and output lengths; app users share a 128-token system prompt"),
    ]

    public func makeWorkload() -> Workload {
        WorkloadGenerator.makeWorkload(kind: kind, rate: rate, duration: duration, seed: seed,
                                       contextLength: Self.contextLength, description: description)
    }
}
