import Engine
import Foundation
import Model
import Trace

/// The dashboard's background traffic (`g`, `[`/`]`, `--load-rate`): Poisson arrivals of short
/// chat prompts from a rotating set of users, submitted on its own thread so the UI never waits
/// for the router and the engine never waits for either.
final class DashboardLoadGenerator: Sendable {
    private struct Control: Sendable {
        var rate: Double?
        var isStopping = false
        var isStarted = false
    }
    private enum Next: Sendable { case stop, arrivals(rate: Double) }

    private let control = WatchedState(Control())
    private let submit: @Sendable (RequestSpec) -> Void
    private let maxTokens: Int
    /// Real questions in the chat template on instruct models; else the story starters.
    private let questions: DashboardPrompts?
    /// Not "alice" or "bob": those are the names the input line's hint suggests typing, and a
    /// generated request would take over a typed user's row.
    static let users = ["carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]

    init(maxTokens: Int, questions: DashboardPrompts? = nil, submit: @escaping @Sendable (RequestSpec) -> Void) {
        self.maxTokens = maxTokens; self.questions = questions; self.submit = submit
    }

    /// Starts, changes or (nil) pauses the arrivals. A new rate takes effect at once: the pending
    /// gap is redrawn, which a memoryless process allows.
    func setRate(_ newRate: Double?) {
        let startsThread = control.update { c -> Bool in
            c.rate = newRate.flatMap { $0 > 0 ? $0 : nil }
            guard c.rate != nil && !c.isStarted else { return false }
            c.isStarted = true
            return true
        }
        if startsThread {
            let t = Thread { [self] in loop() }
            t.name = "pdscope-load-generator"
            t.start()
        }
    }

    /// Ends the thread (without waiting: it holds nothing the engine needs).
    func stop() {
        control.update { $0.isStopping = true }
    }

    private func loop() {
        var random = SystemRandomNumberGenerator()
        var count = 0
        while true {
            guard case .arrivals(let r)? = control.wait({ $0.isStopping ? Next.stop : $0.rate.map { Next.arrivals(rate: $0) } })
            else { return }
            // Exponential gap: -ln(U)/rate, U in (0, 1].
            let u = Double.random(in: Double.leastNonzeroMagnitude...1, using: &random)
            let deadline = Date().addingTimeInterval(-log(u) / r)
            // Sleep out the gap unless stopped or the rate changes (then start over).
            if control.wait(until: deadline, { $0.isStopping || $0.rate != r ? true : nil }) == true { continue }
            let spec = nextRequest(count)
            count += 1
            submit(spec)
        }
    }

    private func nextRequest(_ count: Int) -> RequestSpec {
        let prompts = PromptLibrary.chat
        let prompt = questions?.nextQuestion() ?? .text(prompts[count % prompts.count])
        return RequestSpec(user: Self.users[count % Self.users.count], prompt: prompt,
                           maxTokens: maxTokens, sampling: SamplingParams(temperature: 0.8, topK: 40, topP: 0.95, seed: UInt64(count)))
    }
}
