import XCTest
@testable import Model

final class TokenizerGGUFTests: XCTestCase {
    private func stories() throws -> Tokenizer {
        try Tokenizer(gguf: GGUFFile(path: try TokenizerTestSupport.modelPath("stories260K-f32.gguf")))
    }

    func testStories260KEncodesOnceUponATime() throws {
        let tok = try stories()
        XCTAssertEqual(tok.vocabSize, 512)
        XCTAssertEqual(tok.bosId, 1)
        XCTAssertEqual(tok.eosId, 2)
        XCTAssertEqual(tok.encode("Once upon a time"), [1, 403, 407, 261, 378])
    }

    func testGGUFAndLlama2cTokenizersAgree() throws {
        let gguf = try stories(), bin = try TokenizerTestSupport.tok512()
        XCTAssertEqual(gguf.tokens, bin.tokens)
        XCTAssertEqual(gguf.scores, bin.scores)
        XCTAssertEqual(gguf.kinds, bin.kinds)
        let fixed = ["日本語のテキスト", "emoji 😀🎉 and flags 🇩🇪", "Ünïcödé ™ — dash", "\u{200A}hair space"]
        for text in fixed + TokenizerTestSupport.randomTexts(count: 300, maxWords: 40, seed: 11) {
            let ids = gguf.encode(text)
            XCTAssertEqual(ids, bin.encode(text), "text \(text.debugDescription)")
            XCTAssertEqual(gguf.decode(ids), text)
        }
    }

    // MARK: - Bad files give one-line errors

    private func writer(dropping dropped: Set<String> = [], replacing: [String: GGUFValue] = [:]) -> GGUFFile? {
        let base: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(.string, ["<unk>", "<s>", "</s>", "a"].map { .string($0) })),
            ("tokenizer.ggml.scores", .array(.float32, [0, 0, 0, 0].map { .float32($0) })),
            ("tokenizer.ggml.token_type", .array(.int32, [2, 3, 3, 1].map { .int32($0) })),
        ]
        var w = GGUFWriter()
        for (k, v) in base where !dropped.contains(k) { w.add(k, replacing[k] ?? v) }
        for (k, v) in replacing where !base.contains(where: { $0.0 == k }) { w.add(k, v) }
        return try? GGUFFile(bytes: w.serialize(), name: "test.gguf")
    }

    private func assertError(_ file: GGUFFile?, contains needle: String, line: UInt = #line) {
        guard let file else { return XCTFail("fixture did not parse", line: line) }
        XCTAssertThrowsError(try Tokenizer(gguf: file), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(needle), "\(text) should mention \(needle)", line: line)
            XCTAssertFalse(text.contains("\n"), line: line)
        }
    }

    func testMinimalFileUsesSentencePieceDefaults() throws {
        let tok = try Tokenizer(gguf: XCTUnwrap(writer(dropping: ["tokenizer.ggml.token_type"])))
        XCTAssertEqual(tok.bosId, 1)
        XCTAssertEqual(tok.unkId, 0)
        XCTAssertTrue(tok.addsBOS)
        // '▁' is not a piece and there are no byte tokens: each of its 3 bytes becomes <unk>, as in llama2.c.
        XCTAssertEqual(tok.encode("aa"), [1, 0, 0, 0, 3, 3])
    }

    func testMissingKeys() {
        assertError(writer(dropping: ["tokenizer.ggml.model"]), contains: "tokenizer.ggml.model")
        assertError(writer(dropping: ["tokenizer.ggml.tokens"]), contains: "tokenizer.ggml.tokens")
        assertError(writer(dropping: ["tokenizer.ggml.scores"]), contains: "tokenizer.ggml.scores")
    }

    func testWrongModelAndTypes() {
        assertError(writer(replacing: ["tokenizer.ggml.model": .string("bert")]), contains: "bert")
        assertError(writer(replacing: ["tokenizer.ggml.model": .string("gpt2")]), contains: "tokenizer.ggml.merges")
        assertError(writer(replacing: ["tokenizer.ggml.scores": .array(.string, [.string("x")])]),
                    contains: "tokenizer.ggml.scores")
        assertError(writer(replacing: ["tokenizer.ggml.bos_token_id": .string("1")]), contains: "bos_token_id")
        assertError(writer(replacing: ["tokenizer.ggml.add_bos_token": .uint8(1)]), contains: "add_bos_token")
    }

    func testMismatchedLengthsAndIds() {
        assertError(writer(replacing: ["tokenizer.ggml.scores": .array(.float32, [.float32(0)])]), contains: "scores")
        assertError(writer(replacing: ["tokenizer.ggml.token_type": .array(.int32, [.int32(1)])]), contains: "token types")
        assertError(writer(replacing: ["tokenizer.ggml.eos_token_id": .uint32(99)]), contains: "eos token id 99")
    }
}
