import Engine
import Foundation
import Model
import Trace

/// The dashboard's background traffic (`g`, `[`/`]`, `--load-rate`): Poisson arrivals of short
/// chat prompts from a rotating set of users, submitted on its own thread so the UI never waits
/// for the router and the engine never waits for either.
final class DashboardLoadGenerator: @unchecked Sendable {
    private let condition = NSCondition()
    private var rate: Double?
    private var isStopping = false
    private var thread: Thread?
    private var random: SystemRandomNumberGenerator
    private var count = 0
    private let submit: (RequestSpec) -> Void
    private let maxTokens: Int
    /// Real questions in the chat template on instruct models; else the story starters.
    private let questions: DashboardPrompts?
    /// Not "alice" or "bob": those are the names the input line's hint suggests typing, and a
    /// generated request would take over a typed user's row.
    static let users = ["carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]

    init(maxTokens: Int, questions: DashboardPrompts? = nil, submit: @escaping (RequestSpec) -> Void) {
        self.maxTokens = maxTokens; self.questions = questions; self.submit = submit
        random = SystemRandomNumberGenerator()
    }

    /// Starts, changes or (nil) pauses the arrivals. A new rate takes effect at once: the pending
    /// gap is redrawn, which a memoryless process allows.
    func setRate(_ newRate: Double?) {
        condition.lock()
        rate = newRate.flatMap { $0 > 0 ? $0 : nil }
        if rate != nil && thread == nil {
            let t = Thread { [self] in loop() }
            t.name = "pdscope-load-generator"
            thread = t
            t.start()
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the thread (without waiting: it holds nothing the engine needs).
    func stop() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while !isStopping {
            guard let r = rate else { condition.wait(); continue }
            // Exponential gap: -ln(U)/rate, U in (0, 1].
            let u = Double.random(in: Double.leastNonzeroMagnitude...1, using: &random)
            let deadline = Date().addingTimeInterval(-log(u) / r)
            var rateChanged = false
            while !isStopping && !rateChanged && Date() < deadline {
                let before = rate
                _ = condition.wait(until: deadline)
                rateChanged = rate != before
            }
            if isStopping || rateChanged || rate == nil { continue }
            let spec = nextRequest()
            condition.unlock()
            submit(spec)
            condition.lock()
        }
        condition.unlock()
    }

    private func nextRequest() -> RequestSpec {
        defer { count += 1 }
        let prompts = PromptLibrary.chat
        let prompt = questions?.nextQuestion() ?? .text(prompts[count % prompts.count])
        return RequestSpec(user: Self.users[count % Self.users.count], prompt: prompt,
                           maxTokens: maxTokens, sampling: SamplingParams(temperature: 0.8, topK: 40, topP: 0.95, seed: UInt64(count)))
    }
}
