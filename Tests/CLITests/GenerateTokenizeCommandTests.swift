import Foundation
import Model
import TestSupport
import XCTest
@testable import CLI

/// `pdscope tokenize` and `pdscope generate` (--json, --chat, --prompt-file), on the tiny synthetic
/// model and, when it is cached, on SmolLM2.
final class GenerateTokenizeCommandTests: HeadlessTestCase {
    private var tiny: String { HeadlessFixtures.tinyModelPath }

    private func smolLM2() throws -> String { try TestFiles.smolLM2Path() }

    private func ids(_ json: String) throws -> [Int] {
        try XCTUnwrap(jsonObject(json)["ids"] as? [Int], json)
    }

    func testTokenizeTextAndFileGiveTheModelsIds() throws {
        let expected = try LlamaModel(path: tiny).tokenizer.encode("Once upon a time, 日本 😀").map(Int.init)
        let fromText = try parse(["tokenize", "--model", tiny, "--text", "Once upon a time, 日本 😀", "--json"], as: TokenizeCommand.self).output()
        XCTAssertEqual(try ids(fromText), expected)
        let file = write("Once upon a time, 日本 😀", to: "prompt.txt")
        XCTAssertEqual(try parse(["tokenize", "--model", tiny, "--file", file, "--json"], as: TokenizeCommand.self).output(), fromText)
        let plain = try parse(["tokenize", "--model", tiny, "--text", "Once upon a time, 日本 😀"], as: TokenizeCommand.self).output()
        XCTAssertEqual(plain, expected.map(String.init).joined(separator: " "))
        let stdin = try parse(["tokenize", "--model", tiny, "--file", "-", "--json"], as: TokenizeCommand.self)
            .output(stdin: { Data("Once upon a time, 日本 😀".utf8) })
        XCTAssertEqual(stdin, fromText)
    }

    func testTokenizeReadsBytesThatAreNotUTF8WithoutFailing() throws {
        let path = directory + "bytes.bin"
        FileManager.default.createFile(atPath: path, contents: Data([0x41, 0xFF, 0xE6, 0x97, 0x0A, 0x42]))
        let out = try parse(["tokenize", "--model", tiny, "--file", path, "--json"], as: TokenizeCommand.self).output()
        XCTAssertFalse(try ids(out).isEmpty)
    }

    func testTokenizeAndGenerateRejectBadInputInOneLine() throws {
        XCTAssertThrowsError(try parse(["tokenize", "--model", tiny], as: TokenizeCommand.self))
        XCTAssertThrowsError(try parse(["tokenize", "--model", tiny, "--text", "a", "--file", "b"], as: TokenizeCommand.self))
        XCTAssertThrowsError(try parse(["generate", "--model", tiny, "--prompt", "a", "--max-tokens", "0"], as: GenerateCommand.self)) { error in
            XCTAssertTrue(PDScope.message(for: error).contains("--max-tokens must be at least 1"), PDScope.message(for: error))
        }
        XCTAssertThrowsError(try parse(["generate", "--model", tiny, "--prompt", "a", "--prompt-file", "b"], as: GenerateCommand.self))
        for (path, needle) in [(directory + "missing.txt", "no such file"), (directory, "not a regular file (a directory)")] {
            XCTAssertThrowsError(try parse(["tokenize", "--model", tiny, "--file", path], as: TokenizeCommand.self).output()) { error in
                XCTAssertEqual("\(error)", "--file \(path): \(needle)")
            }
            XCTAssertThrowsError(try parse(["generate", "--model", tiny, "--prompt-file", path], as: GenerateCommand.self)
                .execute(stream: { _ in }, note: { _ in })) { error in
                XCTAssertEqual("\(error)", "--prompt-file \(path): \(needle)")
            }
        }
    }

    func testGenerateJSONReportsPromptIdsIdsTextAndFinishReason() throws {
        let line = try parse(["generate", "--model", tiny, "--prompt", "Once upon a time", "--max-tokens", "5", "--json"],
                             as: GenerateCommand.self).execute(stream: { XCTFail("--json streams nothing, got \($0)") }, note: { _ in })
        XCTAssertFalse(line.contains("\n"))
        let object = try jsonObject(line)
        let model = try LlamaModel(path: tiny)
        XCTAssertEqual(object["model"] as? String, model.name)
        XCTAssertEqual(object["prompt_ids"] as? [Int], model.tokenizer.encode("Once upon a time").map(Int.init))
        let generated = try XCTUnwrap(object["ids"] as? [Int])
        let finish = try XCTUnwrap(object["finish_reason"] as? String)
        XCTAssertTrue(generated.count == 5 ? finish == "length" : finish == "stop", "\(generated.count) ids, \(finish)")
        XCTAssertEqual(object["text"] as? String, model.tokenizer.decode(generated.map { Int32($0) }))

        // The same prompt from a file gives the same line; without --json the text streams after the prompt.
        let file = write("Once upon a time", to: "p.txt")
        XCTAssertEqual(try parse(["generate", "--model", tiny, "--prompt-file", file, "--max-tokens", "5", "--json"],
                                 as: GenerateCommand.self).execute(stream: { _ in }, note: { _ in }), line)
        var streamed = ""
        _ = try parse(["generate", "--model", tiny, "--prompt", "Once upon a time", "--max-tokens", "5"], as: GenerateCommand.self)
            .execute(stream: { streamed += $0 }, note: { _ in })
        XCTAssertEqual(streamed, "Once upon a time" + (object["text"] as! String))
    }

    func testChatWithoutATemplateSaysSoAndFallsBackToPlainText() throws {
        var notes: [String] = []
        let chat = try parse(["generate", "--model", tiny, "--prompt", "Hello", "--chat", "--max-tokens", "2", "--json"],
                             as: GenerateCommand.self).execute(stream: { _ in }, note: { notes.append($0) })
        XCTAssertTrue(notes.contains { $0.contains("no chat template") && $0.contains("plain text") }, "\(notes)")
        let plain = try parse(["generate", "--model", tiny, "--prompt", "Hello", "--max-tokens", "2", "--json"],
                              as: GenerateCommand.self).execute(stream: { _ in }, note: { _ in })
        XCTAssertEqual(chat, plain)
    }

    func testPromptFileDashReadsStandardInputInARealProcess() throws {
        let binary = try BuiltProduct.pdscope()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["generate", "--model", tiny, "--prompt-file", "-", "--max-tokens", "3", "--json"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("Once upon a time".utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let expected = try parse(["generate", "--model", tiny, "--prompt", "Once upon a time", "--max-tokens", "3", "--json"],
                                 as: GenerateCommand.self).execute(stream: { _ in }, note: { _ in })
        XCTAssertEqual(String(decoding: data, as: UTF8.self), expected + "\n")
    }

    // MARK: - SmolLM2

    func testTokenizeSmolLM2ChatPromptLikeLlamaCpp() throws {
        let out = try parse(["tokenize", "--model", try smolLM2(), "--json", "--text",
                             "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"], as: TokenizeCommand.self).output()
        XCTAssertEqual(out, "{\"ids\": [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198]}")
    }

    /// The prompt (no system turn): llama.cpp's greedy answer, ending at <|im_end|>.
    func testSmolLM2AnswersTheCapitalOfFrance() throws {
        let line = try parse(["generate", "--model", try smolLM2(), "--max-tokens", "32", "--json", "--prompt",
                              "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"],
                             as: GenerateCommand.self).execute(stream: { _ in }, note: { _ in })
        let object = try jsonObject(line)
        XCTAssertEqual(object["prompt_ids"] as? [Int], [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198])
        XCTAssertEqual(object["ids"] as? [Int], [504, 3575, 282, 4649, 314, 7042, 30])
        XCTAssertEqual(object["text"] as? String, "The capital of France is Paris.")
        XCTAssertEqual(object["finish_reason"] as? String, "stop")
    }

    /// --chat renders SmolLM2's template, whose default system message comes first. Reference:
    /// `Benchmarks/llama_cpp_greedy.py` on the same text gives these 37 prompt ids and starts
    /// its answer with 60, 23, 39614 ("L'Étoile"; top-2 logit gaps 0.057, 1.565, 0.978). The first
    /// step is a near-tie by SmolLM2GoldenTests' rule (llama.cpp's margin below 0.25), so another
    /// first token is accepted when our own logits put it that close to llama.cpp's.
    func testSmolLM2ChatPromptIsTheTemplatesAndStartsLikeLlamaCpp() throws {
        let path = try smolLM2()
        let line = try parse(["generate", "--model", path, "--chat", "--prompt", "What is the capital of France?",
                              "--max-tokens", "3", "--json"], as: GenerateCommand.self).execute(stream: { _ in }, note: { _ in })
        let object = try jsonObject(line)
        let promptIds = [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 19712, 8182, 2, 198,
                         1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        XCTAssertEqual(object["prompt_ids"] as? [Int], promptIds)
        XCTAssertEqual(object["finish_reason"] as? String, "length")
        let ids = try XCTUnwrap(object["ids"] as? [Int])
        guard ids.first != 60 else { return XCTAssertEqual(ids, [60, 23, 39614]) }
        let model = try LlamaModel(path: path)
        let session = GenerationSession(model: model)
        let logits = session.context.prefill(tokens: promptIds.map(Int32.init), startPosition: 0, blockTable: session.blockTable, kv: session.arena)
        let gap = logits[try XCTUnwrap(ids.first)] - logits[60]
        XCTAssertLessThan(gap, 0.25, "first token \(ids) instead of llama.cpp's 60, and that is no near-tie")
    }
}
