import Engine
import Model

/// The kinds of generated workload.
public enum WorkloadKind: String, CaseIterable, Sendable {
    /// Several users chatting with short English prompts, Poisson arrivals at the given rate.
    case steady
    /// The same chat, plus a long synthetic prompt (90–95% of the context) from another user
    /// every few seconds: the case where prefill stalls everyone's decode.
    case longPromptStorm = "long-prompt-storm"
    /// Prompt and output lengths drawn from lognormal distributions (a "day" of mixed traffic);
    /// one app's users share a system-prompt prefix, so prefix caching has something to hit.
    case mixed
}

/// Prompts for an instruct model: chat users ask real questions and long prompts are generated
/// documents with a question, each rendered as a user turn of the model's chat template.
public struct ChatPrompting {
    /// One user message as the model's prompt text (nil when the template fails on it).
    public var render: (String) -> String?
    /// Tokens of a text in the model's tokenizer (sizes the documents).
    public var countTokens: (String) -> Int

    public init(render: @escaping (String) -> String?, countTokens: @escaping (String) -> Int) {
        self.render = render; self.countTokens = countTokens
    }
}

/// Seeded, deterministic workload generators: the same arguments give the same requests.
public enum WorkloadGenerator {
    /// Gap between long prompts in a storm, drawn uniformly from this range (seconds).
    public static let stormInterval: ClosedRange<Double> = 3...5
    /// Output tokens of chat requests.
    static let chatOutput: ClosedRange<Int> = 32...96
    /// The shared system prompt of the mixed workload's app users.
    static let systemPromptKey = 1_000
    static let systemPromptTokens = 128

    /// Why these settings cannot generate a workload, or nil when they can.
    public static func problem(rate: Double, duration: Double, contextLength: Int) -> String? {
        guard rate.isFinite, rate > 0 else { return "the rate must be a positive number of requests per second, got \(rate)" }
        guard duration.isFinite, duration > 0 else { return "the duration must be a positive number of seconds, got \(duration)" }
        guard rate * duration <= 1_000_000 else { return "rate × duration asks for more than a million requests" }
        guard contextLength >= 64 else { return "the context length must be at least 64 tokens, got \(contextLength)" }
        return nil
    }

    /// Requests sorted by arrival, all arriving in [0, duration), each fitting the context
    /// (prompt + max_tokens ≤ contextLength). Invalid settings (see `problem`) give no requests.
    /// With `chat`, the text of chat and long prompts comes from the question and document
    /// generators in the model's template; arrivals, users and lengths are the same draws as without.
    public static func make(kind: WorkloadKind, rate: Double, duration: Double, seed: UInt64, contextLength: Int,
                            chat prompting: ChatPrompting? = nil) -> [RequestSpec] {
        guard problem(rate: rate, duration: duration, contextLength: contextLength) == nil else { return [] }
        var random = SeededRandom(seed: seed)
        var requests: [RequestSpec]
        switch kind {
        case .steady:
            requests = chat(rate: rate, duration: duration, context: contextLength, random: &random)
        case .longPromptStorm:
            var longRandom = SeededRandom(seed: seed ^ 0x5707_3000)
            requests = chat(rate: rate, duration: duration, context: contextLength, random: &random)
                + longPrompts(duration: duration, context: contextLength, random: &longRandom)
        case .mixed:
            requests = mixed(rate: rate, duration: duration, context: contextLength, random: &random)
        }
        if let prompting { requests = chatPrompts(requests, chat: prompting, seed: seed) }
        return Workload.sortedByArrival(requests)
    }

    /// The same requests as a workload whose header records how to regenerate it.
    public static func makeWorkload(kind: WorkloadKind, rate: Double, duration: Double, seed: UInt64,
                                    contextLength: Int, description: String? = nil,
                                    chat: ChatPrompting? = nil, model: ModelIdentity? = nil) -> Workload {
        var generator = ["kind": kind.rawValue, "rate": JSONWriter.format(rate), "duration_s": JSONWriter.format(duration),
                         "seed": String(seed), "context_length": String(contextLength)]
        if chat != nil { generator["prompts"] = "chat" }
        return Workload(header: WorkloadHeader(description: description, generator: generator, model: model),
                        requests: make(kind: kind, rate: rate, duration: duration, seed: seed, contextLength: contextLength, chat: chat))
    }

    /// Story starters become questions; long synthetic prompts of the storm become documents of
    /// about the same length, never longer (a document that cannot fit stays synthetic).
    /// Mixed traffic keeps its synthetic prompts: their shared prefixes are what it exercises.
    private static func chatPrompts(_ requests: [RequestSpec], chat: ChatPrompting, seed: UInt64) -> [RequestSpec] {
        var questions = QuestionGenerator(seed: seed)
        var documents = 0
        return requests.map { spec in
            var spec = spec
            switch spec.prompt {
            case .text:
                if let text = chat.render(questions.next()) { spec.prompt = .text(text) }
            case .synthetic(let count, let keys, _) where keys.isEmpty && PromptLibrary.longPromptUsers.contains(spec.user):
                documents += 1
                // No longer than the synthetic prompt it replaces (which fits the context with its
                // reply): a document overshooting its target by an entry is made again, shorter.
                var target = max(32, count - 150)
                for _ in 0..<4 {
                    let document = DocumentGenerator.make(seed: seed &* 7_919 &+ UInt64(documents), targetTokens: target,
                                                          countTokens: chat.countTokens)
                    guard let text = chat.render(document.prompt) else { break }
                    let tokens = chat.countTokens(text)
                    if tokens <= count { spec.prompt = .text(text); break }
                    target = max(16, target - (tokens - count) - 50)
                }
            default:
                break
            }
            return spec
        }
    }

    /// Poisson arrival times in [0, duration), rounded to milliseconds so files stay readable.
    static func poissonArrivals(rate: Double, duration: Double, random: inout SeededRandom) -> [Double] {
        var times: [Double] = []
        var t = random.exponential(rate: rate)
        while t < duration {
            let rounded = (t * 1000).rounded() / 1000
            if rounded < duration { times.append(rounded) }
            t += random.exponential(rate: rate)
        }
        return times
    }

    /// A sampled (not greedy) request, with its own seed so replays produce the same text.
    static func sampling(_ random: inout SeededRandom) -> SamplingParams {
        SamplingParams(temperature: 0.8, topK: 0, topP: 0.9, seed: random.next() >> 12)
    }

    private static func chat(rate: Double, duration: Double, context: Int, random: inout SeededRandom) -> [RequestSpec] {
        // Chat prompts are under 100 tokens; leave them that room in small contexts.
        let maxOutput = max(1, min(chatOutput.upperBound, context - 100))
        let minOutput = min(chatOutput.lowerBound, maxOutput)
        return poissonArrivals(rate: rate, duration: duration, random: &random).map { t in
            let user = PromptLibrary.chatUsers[random.index(PromptLibrary.chatUsers.count)]
            let prompt = PromptLibrary.chat[random.index(PromptLibrary.chat.count)]
            let output = minOutput + random.index(maxOutput - minOutput + 1)
            return RequestSpec(arrivalOffset: t, user: user, prompt: .text(prompt), maxTokens: output, sampling: sampling(&random))
        }
    }

    private static func longPrompts(duration: Double, context: Int, random: inout SeededRandom) -> [RequestSpec] {
        var requests: [RequestSpec] = []
        let output = 16
        var t = 2.0  // let the chat warm up first, so the stall is visible against a steady state
        while t < duration {
            let fraction = random.uniform(0.90...0.95)
            let count = min(Int(fraction * Double(context)), context - output)
            let user = PromptLibrary.longPromptUsers[requests.count % PromptLibrary.longPromptUsers.count]
            requests.append(RequestSpec(arrivalOffset: t, user: user,
                                        prompt: .synthetic(count: count, prefixKeys: [], segmentTokens: RequestSpecCoding.defaultSegmentTokens),
                                        maxTokens: output, sampling: sampling(&random)))
            t = ((t + random.uniform(stormInterval)) * 1000).rounded() / 1000
        }
        return requests
    }

    private static func mixed(rate: Double, duration: Double, context: Int, random: inout SeededRandom) -> [RequestSpec] {
        let users = ["alice", "bob", "carol", "app-1", "app-2", "app-3"]
        let maxPrompt = Int(0.9 * Double(context))
        return poissonArrivals(rate: rate, duration: duration, random: &random).map { t in
            let user = users[random.index(users.count)]
            let prompt = min(maxPrompt, max(4, Int(random.lognormal(median: 120, sigma: 1.0))))
            let output = min(context - prompt, max(1, Int(random.lognormal(median: 48, sigma: 0.7))))
            let shared = user.hasPrefix("app-") && prompt > 2 * systemPromptTokens
            let keys = shared ? [systemPromptKey] : []
            let segment = shared ? systemPromptTokens : RequestSpecCoding.defaultSegmentTokens
            return RequestSpec(arrivalOffset: t, user: user,
                               prompt: .synthetic(count: prompt, prefixKeys: keys, segmentTokens: segment),
                               maxTokens: output, sampling: sampling(&random))
        }
    }
}
