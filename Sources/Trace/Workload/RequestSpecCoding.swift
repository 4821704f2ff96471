import Engine
import Model

/// The JSON form of one `RequestSpec`, shared by workload files (one per line) and trace files
/// (inside each `arrived` event), so a line of either is written and validated the same way.
///
/// ```
/// {"arrival_s": 0.5, "user": "alice", "prompt": "Once upon a time", "max_tokens": 64}
/// {"arrival_s": 3, "user": "bot", "prompt_tokens": 1900, "prefix_keys": [7, 8], "segment_tokens": 512}
/// ```
/// Required: `arrival_s`, `user`, and exactly one of `prompt` / `prompt_tokens`. Optional, with
/// defaults: `max_tokens` 64, `prefix_keys` [], `segment_tokens` 512 (Mooncake's block size),
/// `temperature` 0 (greedy), `top_k` 0 (off), `top_p` 1 (off), `seed` 0, `stop` [] (strings that
/// end generation), `ignore_eos` false.
public enum RequestSpecCoding {
    public static let defaultMaxTokens = 64
    public static let defaultSegmentTokens = 512

    /// Limits that keep a typo (an extra zero, a negative sign) from becoming a hung run.
    public static let maxArrivalSeconds = 10_000_000.0
    public static let maxPromptTokens = 10_000_000
    public static let maxOutputTokens = 1_000_000
    public static let maxSegmentTokens = 1_000_000

    /// Every key this coding understands (others are reported as unknown by the readers).
    public static let knownKeys: Set<String> = [
        "arrival_s", "user", "prompt", "prompt_tokens", "prefix_keys", "segment_tokens",
        "max_tokens", "temperature", "top_k", "top_p", "seed", "stop", "ignore_eos",
    ]

    public static func encode(_ spec: RequestSpec) -> JSONObject {
        var o = JSONObject()
        o["arrival_s"] = .double(spec.arrivalOffset)
        o["user"] = .string(spec.user)
        switch spec.prompt {
        case .text(let text):
            o["prompt"] = .string(text)
        case .synthetic(let count, let keys, let segmentTokens):
            o["prompt_tokens"] = .int(count)
            if !keys.isEmpty { o["prefix_keys"] = .array(keys.map { .int($0) }) }
            if !keys.isEmpty || segmentTokens != defaultSegmentTokens { o["segment_tokens"] = .int(segmentTokens) }
        }
        o["max_tokens"] = .int(spec.maxTokens)
        let s = spec.sampling
        if s.temperature != 0 { o["temperature"] = .float(s.temperature) }
        if s.topK != 0 { o["top_k"] = .int(s.topK) }
        if s.topP != 1 { o["top_p"] = .float(s.topP) }
        if s.seed != 0 { o["seed"] = .uint64(s.seed) }
        if !spec.stop.isEmpty { o["stop"] = .array(spec.stop.map { .string($0) }) }
        if spec.ignoreEOS { o["ignore_eos"] = .bool(true) }
        return o
    }

    /// Reads a spec from `fields`, throwing the first problem found as a one-line `LineProblem`.
    public static func decode(_ fields: inout FieldReader) throws -> RequestSpec {
        let arrival = try fields.requiredDouble("arrival_s", in: 0...maxArrivalSeconds)
        let user = try fields.requiredString("user")
        guard !user.isEmpty else { throw LineProblem("'user' must not be empty") }
        let prompt = try decodePrompt(&fields)
        let maxTokens = try fields.int("max_tokens", in: 1...maxOutputTokens) ?? defaultMaxTokens
        var sampling = SamplingParams()
        if let t = try fields.float("temperature", in: 0...100) { sampling.temperature = t }
        if let k = try fields.int("top_k", in: 0...1_000_000) { sampling.topK = k }
        if let p = try fields.float("top_p", in: 0...1) {
            guard p > 0 else { throw LineProblem("'top_p' must be greater than 0 (1 turns it off), got 0") }
            sampling.topP = p
        }
        if let seed = try fields.uint64("seed") { sampling.seed = seed }
        var stop: [String] = []
        for value in try fields.array("stop") ?? [] {
            guard case .string(let text) = value, !text.isEmpty else { throw LineProblem("'stop' must be a list of non-empty strings") }
            stop.append(text)
        }
        let ignoreEOS = try fields.bool("ignore_eos") ?? false
        return RequestSpec(arrivalOffset: arrival, user: user, prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                           stop: stop, ignoreEOS: ignoreEOS)
    }

    private static func decodePrompt(_ fields: inout FieldReader) throws -> RequestSpec.Prompt {
        let hasText = fields.has("prompt"), hasCount = fields.has("prompt_tokens")
        if hasText && hasCount { throw LineProblem("give either 'prompt' or 'prompt_tokens', not both") }
        if hasText {
            let text = try fields.requiredString("prompt")
            guard !text.isEmpty else { throw LineProblem("'prompt' must not be empty") }
            for key in ["prefix_keys", "segment_tokens"] where fields.has(key) {
                throw LineProblem("'\(key)' only applies to synthetic prompts ('prompt_tokens'), not to 'prompt' text")
            }
            return .text(text)
        }
        guard hasCount else { throw LineProblem("missing the prompt: give 'prompt' (text) or 'prompt_tokens' (a count)") }
        let count = try fields.requiredInt("prompt_tokens", in: 1...maxPromptTokens)
        let keys = try fields.intArray("prefix_keys", in: 0...Int.max) ?? []
        let segment = try fields.int("segment_tokens", in: 1...maxSegmentTokens) ?? defaultSegmentTokens
        return .synthetic(count: count, prefixKeys: keys, segmentTokens: segment)
    }
}
