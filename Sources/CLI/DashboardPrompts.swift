import Dashboard
import Engine
import Foundation
import Model
import Synchronization
import Trace

/// The dashboard's prompts on an instruct model: a typed line, `S` and the load generator's
/// questions, and `L`'s long generated document with a question, each wrapped as a user turn in
/// the model's chat template. Models without a template (synthetic, stories) get none of this:
/// the dashboard keeps typed text as is and synthetic tokens for `S` and `L`.
final class DashboardPrompts: Sendable {
    /// Renders one user message as the model's chat prompt, ending with the assistant's turn.
    typealias Render = @Sendable (_ userMessage: String) throws -> String

    private let render: Render
    private let countTokens: @Sendable (String) -> Int
    /// Tokens `L`'s document aims at (the chat template and question add a few dozen).
    let longTokens: Int
    private let questions: Mutex<QuestionGenerator>
    private let documents = Mutex(0)
    private let seed: UInt64

    init(render: @escaping Render, countTokens: @escaping @Sendable (String) -> Int, longTokens: Int, seed: UInt64 = 1) {
        self.render = render; self.countTokens = countTokens; self.longTokens = longTokens; self.seed = seed
        questions = Mutex(QuestionGenerator(seed: seed))
    }

    /// Prompts for `model`, or nil with the reason when it has no chat template pdscope can
    /// render (then prompts go as plain text). `contextLength` bounds `L`'s document.
    static func make(model: LlamaModel, maxTokens: Int) -> (DashboardPrompts?, note: String?) {
        guard let render = ChatWiring.renderer(for: model) else { return (nil, ChatWiring.problem(of: model)) }
        do { _ = try render("Hello") } catch {
            return (nil, "the model's chat template cannot be rendered (\(error)): prompts are sent as plain text")
        }
        let tokenizer = model.tokenizer
        let context = model.config.contextLength
        // About 2,000 tokens: long enough that prefill costs seconds, short enough to fit with the reply.
        let long = max(64, min(2_000, context * 85 / 100 - maxTokens - 100))
        return (DashboardPrompts(render: render, countTokens: { tokenizer.encode($0, addBOS: false).count }, longTokens: long), nil)
    }

    /// The prompt of a typed line, `S` or `L`; nil when the template fails on this text.
    func prompt(for kind: DashboardPromptKind) -> RequestSpec.Prompt? {
        switch kind {
        case .typed(let text): return chat(text)
        case .short: return nextQuestion()
        case .long: return chat(nextDocument().prompt)
        }
    }

    /// A new question each call (`S`, the load generator).
    func nextQuestion() -> RequestSpec.Prompt? {
        chat(questions.withLock { $0.next() })
    }

    /// A new document each call, of a kind picked from its number.
    func nextDocument() -> GeneratedDocument {
        let index = documents.withLock { $0 += 1; return $0 }
        return DocumentGenerator.make(seed: seed &* 1_000_003 &+ UInt64(index), targetTokens: longTokens, countTokens: countTokens)
    }

    private func chat(_ message: String) -> RequestSpec.Prompt? {
        (try? render(message)).map { .text($0) }
    }
}
