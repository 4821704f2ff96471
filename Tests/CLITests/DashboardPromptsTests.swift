import Engine
import Foundation
import Model
import Trace
import XCTest
@testable import CLI

/// The dashboard's prompts on an instruct model, with a ChatML renderer standing in for the
/// model's template: typed text, `S` questions and `L` documents are user turns, documents are
/// sized in tokens, and the load generator asks the questions.
final class DashboardPromptsTests: XCTestCase {
    /// ChatML as SmolLM2's template writes it (system turn omitted).
    static let chatML: DashboardPrompts.Render = { "<|im_start|>user\n\($0)<|im_end|>\n<|im_start|>assistant\n" }

    private struct NotText: Error { var prompt: RequestSpec.Prompt? }

    private func text(_ prompt: RequestSpec.Prompt?) throws -> String {
        guard case .text(let t)? = prompt else { throw NotText(prompt: prompt) }
        return t
    }

    func testEveryKindIsAUserTurn() throws {
        let prompts = DashboardPrompts(render: Self.chatML, countTokens: DocumentGenerator.estimateTokens, longTokens: 1_500)
        let typed = try text(prompts.prompt(for: .typed("What is 2 + 2?")))
        XCTAssertEqual(typed, "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n")
        var questions: [String] = []
        for _ in 0..<10 {
            let q = try text(prompts.prompt(for: .short))
            XCTAssertTrue(q.hasPrefix("<|im_start|>user\n") && q.hasSuffix("<|im_start|>assistant\n"), q)
            questions.append(q)
        }
        XCTAssertGreaterThan(Set(questions).count, 5, "S asks different questions")
        let long = try text(prompts.prompt(for: .long))
        let tokens = DocumentGenerator.estimateTokens(long)
        XCTAssertTrue((1_400...2_000).contains(tokens), "L's document is about 1,500 tokens, got \(tokens)")
        XCTAssertTrue(long.contains("Here is a "), String(long.prefix(80)))
        XCTAssertNotEqual(try text(prompts.prompt(for: .long)), long, "each L is a new document")
    }

    func testAFailingTemplateGivesNoPromptRatherThanACrash() {
        struct Unrenderable: Error {}
        let prompts = DashboardPrompts(render: { _ in throw Unrenderable() }, countTokens: DocumentGenerator.estimateTokens, longTokens: 100)
        XCTAssertNil(prompts.prompt(for: .typed("hi")))
        XCTAssertNil(prompts.prompt(for: .long))
    }

    func testModelsWithoutATemplateKeepTodaysPrompts() throws {
        let model = try ModelOptions.parse(["--model", HeadlessFixtures.tinyModelPath]).load(quiet: true)
        let (prompts, note) = DashboardPrompts.make(model: model, maxTokens: 64)
        XCTAssertNil(prompts)
        XCTAssertNil(note)
    }

    func testLoadGeneratorAsksTheQuestions() {
        let prompts = DashboardPrompts(render: Self.chatML, countTokens: DocumentGenerator.estimateTokens, longTokens: 100)
        let specs = WatchedState<[RequestSpec]>([])
        let enough = expectation(description: "five arrivals")
        let generator = DashboardLoadGenerator(maxTokens: 8, questions: prompts) { spec in
            if specs.update({ $0.append(spec); return $0.count }) == 5 { enough.fulfill() }
        }
        generator.setRate(1000)
        wait(for: [enough], timeout: 30)
        generator.stop()
        let first = Array(specs.read { $0 }.prefix(5))
        for spec in first {
            guard case .text(let t) = spec.prompt else { return XCTFail("\(spec.prompt)") }
            XCTAssertTrue(t.hasPrefix("<|im_start|>user\n"), t)
            XCTAssertFalse(PromptLibrary.chat.contains { t.contains($0) }, "questions, not story starters: \(t)")
        }
    }

    /// SmolLM2's own template and tokenizer (from the cached file's metadata; no weights needed):
    /// `L` documents measure 1,000–3,000 real tokens and every prompt is a ChatML user turn.
    func testSmolLM2TemplateAndTokenizerWhenCached() throws {
        guard case .cached(let path) = ModelCatalog.presence(of: ModelCatalog.smollm2) else {
            throw XCTSkip("smollm2 is not in the model cache (bash .ci/setup fetches it)")
        }
        let file = try GGUFFile(path: path)
        let tokenizer = try Tokenizer(gguf: file)
        let template = try ChatTemplate(source: try XCTUnwrap(file.string("tokenizer.chat_template")), bosToken: "<|im_start|>", eosToken: "<|im_end|>")
        let prompts = DashboardPrompts(render: ChatWiring.renderer(template: template),
                                       countTokens: { tokenizer.encode($0, addBOS: false).count }, longTokens: 2_000)
        let typed = try text(prompts.prompt(for: .typed("What is the capital of France?")))
        XCTAssertTrue(typed.hasSuffix("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"), typed)
        let ids = tokenizer.encode(typed, addBOS: false)
        XCTAssertEqual(Array(ids.suffix(16)), [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198],
                       "the issue's ids for this turn and the assistant's, after the default system turn")
        for _ in 0..<4 {
            let long = try text(prompts.prompt(for: .long))
            let count = tokenizer.encode(long, addBOS: false).count
            XCTAssertTrue((1_000...3_000).contains(count), "L prompt of \(count) tokens")
        }
    }

    func testChatSettingsLeaveRoomForAnswers() {
        let chat = LiveDashboardEngine.settings(contextLength: 4096, initialLoadRate: nil, isChat: true)
        XCTAssertEqual(chat.maxTokens, 160)
        XCTAssertEqual(LiveDashboardEngine.settings(contextLength: 4096, initialLoadRate: nil).maxTokens, 64)
    }
}
