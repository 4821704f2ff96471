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
        let lock = NSLock()
        var specs: [RequestSpec] = []
        let enough = expectation(description: "five arrivals")
        let generator = DashboardLoadGenerator(maxTokens: 8, questions: prompts) { spec in
            lock.lock(); specs.append(spec); let count = specs.count; lock.unlock()
            if count == 5 { enough.fulfill() }
        }
        generator.setRate(1000)
        wait(for: [enough], timeout: 30)
        generator.stop()
        lock.lock(); let first = Array(specs.prefix(5)); lock.unlock()
        for spec in first {
            guard case .text(let t) = spec.prompt else { return XCTFail("\(spec.prompt)") }
            XCTAssertTrue(t.hasPrefix("<|im_start|>user\n"), t)
            XCTAssertFalse(PromptLibrary.chat.contains { t.contains($0) }, "questions, not story starters: \(t)")
        }
    }

    func testChatSettingsLeaveRoomForAnswers() {
        let chat = LiveDashboardEngine.settings(contextLength: 4096, initialLoadRate: nil, isChat: true)
        XCTAssertEqual(chat.maxTokens, 160)
        XCTAssertEqual(LiveDashboardEngine.settings(contextLength: 4096, initialLoadRate: nil).maxTokens, 64)
    }
}
