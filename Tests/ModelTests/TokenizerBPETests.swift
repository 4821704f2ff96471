import Foundation
import XCTest
@testable import Model

/// SmolLM2's GPT-2 byte-level BPE against llama.cpp's ids (Benchmarks/goldens/smollm2-tokenizer.json,
/// made by Benchmarks/make_tokenizer_goldens.py), plus model-free checks of the pieces.
final class TokenizerBPETests: XCTestCase {
    func testIssueExampleChatPrompt() throws {
        let tok = try TokenizerBPESupport.smolLM2()
        XCTAssertEqual(tok.algorithm, .byteLevelBPE)
        XCTAssertFalse(tok.addsBOS)
        let ids = tok.encode("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(Array(ids.prefix(12)), [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198])
        XCTAssertEqual(ids.count, 16)
    }

    func testIdsEqualLlamaCppOnEveryGoldenInput() throws {
        let tok = try TokenizerBPESupport.smolLM2()
        let goldens = try TokenizerBPESupport.goldens()
        XCTAssertEqual(goldens.model, TokenizerBPESupport.smolLM2FileName)
        XCTAssertGreaterThan(goldens.cases.count, 60)
        XCTAssertTrue(goldens.cases.contains { $0.ids.count > 1_500 }, "the goldens include long documents")
        for c in goldens.cases {
            XCTAssertEqual(tok.encode(utf8: c.bytes), c.ids, "special=true: \(c.label)")
            XCTAssertEqual(tok.encode(utf8: c.bytes, parseSpecial: false), c.ids_plain, "special=false: \(c.label)")
            XCTAssertEqual(tok.decode(c.ids), c.detokenized, "detokenize: \(c.label)")
        }
    }

    func testDecodeRoundTripsAndStreamsWholeCharacters() throws {
        let tok = try TokenizerBPESupport.smolLM2()
        for c in try TokenizerBPESupport.goldens().cases {
            guard let text = c.text else { continue }
            XCTAssertEqual(tok.decode(c.ids_plain), text, "plain round trip: \(c.label)")
            XCTAssertEqual(tok.decode(c.ids, renderSpecial: true), text, "special round trip: \(c.label)")
            var decoder = StreamingTextDecoder()
            var streamed = ""
            var previous: Int32 = -1
            for id in c.ids_plain {
                let chunk = tok.appendText(of: id, after: previous, to: &decoder)
                XCTAssertFalse(chunk.contains("\u{FFFD}"), "a chunk cut a character: \(c.label)")
                streamed += chunk
                previous = id
            }
            XCTAssertEqual(streamed + decoder.finish(), text, "streamed: \(c.label)")
        }
    }

    func testEndOfGenerationCoversEOSAndEndOfTurn() throws {
        let tok = try TokenizerBPESupport.smolLM2()
        XCTAssertEqual(tok.eosId, 2)
        XCTAssertTrue(tok.isEndOfGeneration(2), "<|im_end|>")
        XCTAssertTrue(tok.isEndOfGeneration(0), "<|endoftext|>")
        XCTAssertFalse(tok.isEndOfGeneration(1), "<|im_start|> starts a turn")
        XCTAssertFalse(tok.isEndOfGeneration(4649))
        XCTAssertEqual(tok.piece(2, after: 4649), [], "control tokens print nothing")
        let asText = tok.encode("<|im_end|>", parseSpecial: false)
        XCTAssertGreaterThan(asText.count, 1, "as plain text it is several tokens")
        XCTAssertFalse(asText.contains(2))
    }

    // MARK: - Without the model

    func testSmolLMPreTokenizerSplit() {
        func words(_ text: String) -> [String] {
            let cps = text.unicodeScalars.map(\.value)
            return PreTokenizer.smollm.split(cps).map { r in String(String.UnicodeScalarView(r.map { Unicode.Scalar(cps[$0])! })) }
        }
        XCTAssertEqual(words("Hello world  123 it's\n\n x"), ["Hello", " world", "  ", "1", "2", "3", " it", "'s", "\n\n", " x"])
        XCTAssertEqual(words("I'M don't 'll"), ["I", "'", "M", " don", "'t", " '", "ll"])
        XCTAssertEqual(words("naïve 日本 😀!! ½"), ["naïve", " 日本", " 😀!!", " ", "½"])
        XCTAssertEqual(words("a\t\tb  "), ["a", "\t", "\t", "b", "  "])  // only a space joins the next word
        XCTAssertEqual(words(""), [])
    }

    func testTinyVocabularyMergesByRankNotLength() throws {
        // "Ġ" is the space byte's character. Merges: rank 0 "a b", rank 1 "b c", rank 2 "ab c".
        let tokens = ["<|endoftext|>", "a", "b", "c", "Ġ", "ab", "bc", "abc", "Ġa"]
        let tok = try Tokenizer(byteLevelTokens: tokens, types: [3, 1, 1, 1, 1, 1, 1, 1, 1],
                                merges: ["a b", "b c", "ab c", "Ġ a"], preTokenizer: "smollm",
                                bosId: 0, eosId: 0, unkId: -1, addBOS: false)
        XCTAssertEqual(tok.encode("abc"), [7])          // a b → ab, then ab c → abc
        XCTAssertEqual(tok.encode("bc a"), [6, 8])      // b c → bc; " a" is its own word
        XCTAssertEqual(tok.encode("abc<|endoftext|>a"), [7, 0, 1])
        XCTAssertEqual(tok.encode("abc<|endoftext|>a", parseSpecial: false).contains(0), false)
        XCTAssertEqual(tok.decode([7, 8]), "abc a")
        XCTAssertEqual(tok.encode("z"), [], "bytes without a token are dropped, as llama.cpp does")
    }

    func testUnsupportedTokenizersAreClearErrors() throws {
        func file(_ pairs: [(String, GGUFValue)]) throws -> GGUFFile {
            var w = GGUFWriter()
            for (k, v) in pairs { w.add(k, v) }
            return try GGUFFile(bytes: w.serialize(), name: "bpe.gguf")
        }
        let tokens: (String, GGUFValue) = ("tokenizer.ggml.tokens", .array(.string, ["a", "b", "ab"].map { .string($0) }))
        let merges: (String, GGUFValue) = ("tokenizer.ggml.merges", .array(.string, [.string("a b")]))
        let ids: [(String, GGUFValue)] = [("tokenizer.ggml.bos_token_id", .uint32(0)), ("tokenizer.ggml.eos_token_id", .uint32(0))]
        let cases: [([(String, GGUFValue)], String)] = [
            ([("tokenizer.ggml.model", .string("gpt2")), tokens, merges, ("tokenizer.ggml.pre", .string("llama3"))] + ids, "\"llama3\""),
            ([("tokenizer.ggml.model", .string("gpt2")), tokens, ("tokenizer.ggml.pre", .string("smollm"))] + ids, "tokenizer.ggml.merges"),
            ([("tokenizer.ggml.model", .string("gpt2")), tokens, merges] + ids, "tokenizer.ggml.pre"),
            ([("tokenizer.ggml.model", .string("gpt2")), tokens, ("tokenizer.ggml.merges", .array(.string, [.string("ab")])),
              ("tokenizer.ggml.pre", .string("smollm"))] + ids, "merge 0"),
            ([("tokenizer.ggml.model", .string("bert")), tokens], "\"bert\""),
        ]
        for (pairs, needle) in cases {
            XCTAssertThrowsError(try Tokenizer(gguf: file(pairs))) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(error) should mention \(needle)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
        XCTAssertNoThrow(try Tokenizer(gguf: file([("tokenizer.ggml.model", .string("gpt2")), tokens, merges,
                                                    ("tokenizer.ggml.pre", .string("smollm"))] + ids)))
    }
}

/// Prints how fast SmolLM2's tokenizer loads and encodes the long golden documents (PDSCOPE_BENCH=1;
/// build with -c release for meaningful numbers). A benchmark, not a pass/fail timing.
final class TokenizerBPEBenchmark: XCTestCase {
    func testPrintEncodeSpeed() throws {
        guard ProcessInfo.processInfo.environment["PDSCOPE_BENCH"] == "1" else {
            throw XCTSkip("set PDSCOPE_BENCH=1 to run the SmolLM2 tokenizer benchmark")
        }
        let path = try TokenizerBPESupport.smolLM2Path()
        let file = try GGUFFile(path: path)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let tok = try Tokenizer(gguf: file)
        let t1 = DispatchTime.now().uptimeNanoseconds
        print(String(format: "tokenizer build: %.1f ms (%d tokens, merges)", Double(t1 - t0) / 1e6, tok.vocabSize))
        for c in try TokenizerBPESupport.goldens().cases where c.ids.count > 1_000 {
            let bytes = c.bytes
            var best = Double.infinity
            for _ in 0..<5 {
                let s = DispatchTime.now().uptimeNanoseconds
                let ids = tok.encode(utf8: bytes)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - s) / 1e9)
                XCTAssertEqual(ids.count, c.ids.count)
            }
            print(String(format: "encode %6d bytes -> %5d tokens: %.2f ms (%.0f tokens/s)", bytes.count, c.ids.count,
                         best * 1e3, Double(c.ids.count) / best))
        }
    }
}
