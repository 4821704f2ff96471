import Foundation
import XCTest
@testable import Trace

/// The questions and long documents of instruct-model traffic: seeded, varied, sized, and each
/// document's known answer agrees with its text (recomputed here from the text alone).
final class PromptGeneratorTests: XCTestCase {
    func testQuestionsAreSeededAndVaried() {
        var a = QuestionGenerator(seed: 3), b = QuestionGenerator(seed: 3), c = QuestionGenerator(seed: 4)
        let first = (0..<50).map { _ in a.next() }
        XCTAssertEqual(first, (0..<50).map { _ in b.next() })
        XCTAssertNotEqual(first, (0..<50).map { _ in c.next() })
        XCTAssertGreaterThanOrEqual(Set(first).count, 40, "50 questions should seldom repeat")
        // Many shapes, not one template: count distinct first words.
        XCTAssertGreaterThanOrEqual(Set(first.map { $0.split(separator: " ")[0] }).count, 8)
        for q in first {
            XCTAssertTrue(q.hasSuffix("?") || q.hasSuffix("."), q)
            XCTAssertFalse(q.contains("%d"), q)
        }
    }

    func testDocumentsReachTheirTokenTargetAndStayNearIt() {
        for kind in GeneratedDocument.Kind.allCases {
            for target in [1_000, 2_000, 3_000] {
                let doc = DocumentGenerator.make(seed: 11, targetTokens: target, kind: kind)
                let tokens = DocumentGenerator.estimateTokens(doc.text)
                XCTAssertGreaterThanOrEqual(tokens, target * 95 / 100, "\(kind) \(target)")
                XCTAssertLessThanOrEqual(tokens, target + 300, "\(kind) \(target): one entry past the target at most")
                XCTAssertTrue(doc.prompt.hasSuffix(doc.question))
                XCTAssertTrue(doc.prompt.contains(doc.text))
            }
        }
        XCTAssertEqual(DocumentGenerator.make(seed: 5, targetTokens: 1500), DocumentGenerator.make(seed: 5, targetTokens: 1500))
        XCTAssertNotEqual(DocumentGenerator.make(seed: 5, targetTokens: 1500).text, DocumentGenerator.make(seed: 6, targetTokens: 1500).text)
        let kinds = Set((0..<40).map { DocumentGenerator.make(seed: UInt64($0), targetTokens: 50).kind })
        XCTAssertEqual(kinds.count, GeneratedDocument.Kind.allCases.count, "the seed picks every kind")
    }

    func testLogAnswerMatchesTheLines() throws {
        let doc = DocumentGenerator.make(seed: 21, targetTokens: 2_000, kind: .serverLog)
        var errors: [String: Int] = [:]
        for line in doc.text.split(separator: "\n") where line.contains(" ERROR [") {
            let service = line.split(separator: "[")[1].split(separator: "]")[0]
            errors[String(service), default: 0] += 1
        }
        let top = try XCTUnwrap(errors.max { ($0.value, $1.key) < ($1.value, $0.key) })
        XCTAssertTrue(doc.answer.hasPrefix("\(top.key) with \(top.value) errors"), "\(doc.answer) vs \(errors)")
    }

    func testTableAnswerMatchesTheRows() throws {
        let doc = DocumentGenerator.make(seed: 22, targetTokens: 2_000, kind: .salesTable)
        var revenue: [String: Int] = [:]
        let rows = doc.text.split(separator: "\n").dropFirst()
        for row in rows {
            let f = row.split(separator: ",")
            XCTAssertEqual(f.count, 6, String(row))
            XCTAssertEqual(Int(f[3])! * Int(f[4])!, Int(f[5])!, "revenue = units × price: \(row)")
            revenue[String(f[1]), default: 0] += Int(f[5])!
        }
        let top = try XCTUnwrap(revenue.max { ($0.value, $1.key) < ($1.value, $0.key) })
        XCTAssertEqual(doc.answer, "\(top.key), \(top.value)")
    }

    func testCodeAnswerListsTheFunctionsThatWriteFiles() {
        let doc = DocumentGenerator.make(seed: 23, targetTokens: 2_000, kind: .codeListing)
        var writers: [String] = []
        var current = ""
        for line in doc.text.split(separator: "\n") {
            if line.hasPrefix("def ") { current = String(line.dropFirst(4).prefix { $0 != "(" }) }
            if line.contains("open(") && line.contains("\"w\"") { writers.append(current) }
        }
        XCTAssertEqual(doc.answer, writers.isEmpty ? "none" : writers.joined(separator: ", "))
        let names = doc.text.split(separator: "\n").filter { $0.hasPrefix("def ") }.map { $0.prefix { $0 != "(" } }
        XCTAssertEqual(names.count, Set(names).count, "no function is defined twice")
    }

    func testMeetingAnswerListsThePersonsActions() throws {
        let doc = DocumentGenerator.make(seed: 24, targetTokens: 2_000, kind: .meetingNotes)
        let person = try XCTUnwrap(doc.question.components(separatedBy: "assigned to ").last?.components(separatedBy: ",").first)
        let actions = doc.text.split(separator: "\n").filter { $0.hasPrefix("- Action: \(person) to ") }
        XCTAssertFalse(actions.isEmpty)
        XCTAssertEqual(doc.answer.components(separatedBy: "; ").count, actions.count, doc.answer)
        XCTAssertTrue(doc.text.contains("# Weekly sync, ") && doc.text.contains(person))
    }
}

/// `pdscope workload --model`: the same arrivals, users and lengths as without, with questions
/// and documents in the model's template, and the model named in the header.
final class ChatWorkloadTests: XCTestCase {
    static var chat: ChatPrompting { ChatPrompting(render: { "<user>\($0)</user>" }, countTokens: DocumentGenerator.estimateTokens) }

    func testChatWorkloadKeepsTheDrawsAndReplacesTheText() {
        let plain = WorkloadGenerator.make(kind: .longPromptStorm, rate: 1, duration: 30, seed: 2, contextLength: 4096)
        let chat = WorkloadGenerator.make(kind: .longPromptStorm, rate: 1, duration: 30, seed: 2, contextLength: 4096, chat: Self.chat)
        XCTAssertEqual(plain.map(\.arrivalOffset), chat.map(\.arrivalOffset))
        XCTAssertEqual(plain.map(\.user), chat.map(\.user))
        XCTAssertEqual(plain.map(\.maxTokens), chat.map(\.maxTokens))
        var documents = 0
        for (p, c) in zip(plain, chat) {
            guard case .text(let text) = c.prompt else { return XCTFail("\(c.user): \(c.prompt)") }
            XCTAssertTrue(text.hasPrefix("<user>") && text.hasSuffix("</user>"), text)
            if case .synthetic(let count, _, _) = p.prompt {
                documents += 1
                let tokens = DocumentGenerator.estimateTokens(text)
                XCTAssertLessThanOrEqual(tokens, count, "never longer than the prompt it replaces")
                XCTAssertGreaterThan(tokens, count * 3 / 4, "about as long")
            } else {
                XCTAssertFalse(PromptLibrary.chat.contains { text.contains($0) }, "a question, not a story starter")
            }
        }
        XCTAssertGreaterThan(documents, 3)
        XCTAssertEqual(chat, WorkloadGenerator.make(kind: .longPromptStorm, rate: 1, duration: 30, seed: 2, contextLength: 4096, chat: Self.chat))
    }

    func testWorkloadHeaderRecordsTheModel() throws {
        let model = ModelIdentity(name: "smollm2", contentHash: "sha256:b179", contextLength: 4096, path: "/m.gguf")
        let workload = WorkloadGenerator.makeWorkload(kind: .steady, rate: 1, duration: 5, seed: 1, contextLength: 4096,
                                                      chat: Self.chat, model: model)
        let text = WorkloadFile.encode(workload)
        let back = try WorkloadFile.parse(text)
        XCTAssertEqual(back.header.model, model)
        XCTAssertEqual(back.header.generator["prompts"], "chat")
        XCTAssertEqual(back.requests, workload.requests)
        // Without a model nothing changes in the file (the shipped workloads stay byte for byte).
        XCTAssertFalse(WorkloadFile.encode(WorkloadGenerator.makeWorkload(kind: .steady, rate: 1, duration: 5, seed: 1, contextLength: 4096))
            .contains("\"model\""))
    }
}
