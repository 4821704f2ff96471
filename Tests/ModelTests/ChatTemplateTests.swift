import Foundation
import XCTest
@testable import Model

/// Chat templates rendered as Jinja2 renders them for transformers (Benchmarks/goldens/chat-templates.json).
final class ChatTemplateTests: XCTestCase {
    private struct Goldens: Decodable {
        struct Message: Decodable { var role: String; var content: String }
        struct Case: Decodable {
            var template: String
            var messages: [Message]
            var add_generation_prompt: Bool
            var rendered: String?
            var error: String?
        }
        var templates: [String: String]
        var cases: [Case]
    }

    private func goldens() throws -> Goldens {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/goldens/chat-templates.json")
        return try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
    }

    func testRendersLikeJinja2() throws {
        let g = try goldens()
        XCTAssertGreaterThanOrEqual(g.cases.count, 30)
        for c in g.cases {
            let template = try ChatTemplate(source: try XCTUnwrap(g.templates[c.template]), bosToken: "<s>", eosToken: "</s>")
            let messages = c.messages.map { ChatMessage(role: $0.role, content: $0.content) }
            let label = "\(c.template) \(messages.map(\.role)) gen=\(c.add_generation_prompt)"
            if let expected = c.rendered {
                XCTAssertEqual(try template.render(messages, addGenerationPrompt: c.add_generation_prompt), expected, label)
            } else {
                XCTAssertThrowsError(try template.render(messages, addGenerationPrompt: c.add_generation_prompt), label) { error in
                    XCTAssertTrue("\(error)".contains(c.error ?? "?"), "\(error)")
                }
            }
        }
    }

    func testSmolLM2TemplateAddsItsDefaultSystemMessage() throws {
        let source = try XCTUnwrap(try goldens().templates["smollm2"])
        let text = try ChatTemplate(source: source).render([ChatMessage(role: "user", content: "What is the capital of France?")],
                                                           addGenerationPrompt: true)
        XCTAssertEqual(text, "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                       + "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n")
        let own = try ChatTemplate(source: source).render([ChatMessage(role: "system", content: "Be brief."),
                                                           ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false)
        XCTAssertEqual(own, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    func testUnsupportedTemplatesAreOneLineErrorsAtLoad() {
        let bad = [
            "{% macro m() %}x{% endmacro %}{{ m() }}",
            "{% for m in messages %}{{ m.content | tojson }}{% endfor %}",
            "{% for m in messages %}{{ m.content }}",
            "{% if true %}x{% endfor %}",
            "{{ messages[0].content ",
            "{{ 'unterminated }}",
            "{% for m in messages %}{{ m.content }}{% else %}none{% endfor %}",
            "no messages in here at all",
            "{{ messages | map(attribute='content') | join('\\n') }}",
        ]
        for source in bad {
            XCTAssertThrowsError(try ChatTemplate(source: source), source) { error in
                XCTAssertTrue(error is ChatTemplateError, "\(error)")
                XCTAssertFalse("\(error)".contains("\n"), "\(error)")
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
    }

    func testMangledTemplatesNeverCrash() throws {
        let source = try XCTUnwrap(try goldens().templates["smollm2"])
        let scalars = Array(source.unicodeScalars)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(n))
        }
        let pieces: [String] = ["{%", "%}", "{{", "}}", "'", "\"", "(", ")", "[", "]", "|", "-", " if ", " endfor ", "loop.", "~"]
        var rendered = 0
        for _ in 0..<400 {
            var s = scalars
            for _ in 0..<(1 + next(3)) {
                let at = next(s.count)
                if next(2) == 0 { s.remove(at: at) } else { s.insert(contentsOf: pieces[next(pieces.count)].unicodeScalars, at: at) }
            }
            let mangled = String(String.UnicodeScalarView(s))
            if let t = try? ChatTemplate(source: mangled),
               (try? t.render([ChatMessage(role: "user", content: "x")], addGenerationPrompt: true)) != nil {
                rendered += 1
            }
        }
        XCTAssertLessThan(rendered, 400, "some mangled templates must be refused")
    }

    func testModelChatTemplateIsNilWithAReasonWhenAbsent() throws {
        let model = try LlamaModel(file: GGUFFile(bytes: SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1), name: "tiny.gguf"))
        XCTAssertNil(model.chatTemplate)
        XCTAssertTrue(model.chatTemplateProblem?.contains("no chat template") ?? false, "\(String(describing: model.chatTemplateProblem))")
    }
}
