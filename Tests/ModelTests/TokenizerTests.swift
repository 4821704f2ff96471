import XCTest
@testable import Model

final class TokenizerTests: XCTestCase {
    func testTok512EncodesOnceUponATimeLikeLlama2c() throws {
        let tok = try TokenizerTestSupport.tok512()
        XCTAssertEqual(tok.vocabSize, 512)
        XCTAssertEqual(tok.encode("Once upon a time"), [1, 403, 407, 261, 378])
        XCTAssertEqual(tok.encode("Once upon a time", addBOS: false), [403, 407, 261, 378])
    }

    func testTok512PiecesAreNormalised() throws {
        let tok = try TokenizerTestSupport.tok512()
        XCTAssertEqual(tok.tokens[1], "<s>")
        XCTAssertEqual(tok.tokens[2], "</s>")
        XCTAssertEqual(tok.tokens[259], "\u{2581}t")
        XCTAssertEqual(tok.kinds[0], .unknown)
        XCTAssertEqual(tok.kinds[1], .control)
        XCTAssertEqual(tok.kinds[3], .byte)
        XCTAssertEqual(tok.kinds[259], .normal)
    }

    func testEmptyTextIsJustBOS() throws {
        let tok = try TokenizerTestSupport.tok512()
        XCTAssertEqual(tok.encode(""), [1])
        XCTAssertEqual(tok.encode("", addBOS: false), [])
    }

    func testByteFallbackForCharactersOutsideTheVocabulary() throws {
        let tok = try TokenizerTestSupport.tok512()
        // '日' is E6 97 A5: three byte tokens, ids 3 + byte value.
        let ids = tok.encode("日", addBOS: false)
        let expected: [Int32] = [0xE6, 0x97, 0xA5].map { 3 + $0 }
        XCTAssertEqual(Array(ids.suffix(3)), expected)
        // '™' is itself a piece in tok512, so it must not fall back.
        XCTAssertEqual(tok.encode("™", addBOS: false).last, 507)
    }

    func testPieceStripsTheSpaceAfterBOSAndMapsBytes() throws {
        let tok = try TokenizerTestSupport.tok512()
        XCTAssertEqual(tok.piece(403, after: 1), Array("Once".utf8))
        XCTAssertEqual(tok.piece(403, after: 378), Array(" Once".utf8))
        XCTAssertEqual(tok.piece(3 + 0x41, after: 0), [0x41])
        XCTAssertEqual(tok.piece(1, after: -1), [])
        XCTAssertEqual(tok.piece(2, after: 5), [])
        XCTAssertEqual(tok.piece(9999, after: 5), [])
        XCTAssertEqual(tok.piece(-3, after: 5), [])
    }

    func testDecodeOfEncodeIsIdentity() throws {
        let tok = try TokenizerTestSupport.tok512()
        let fixed = ["Once upon a time", " leading space", "trailing  ", "日本語 and 😀 emoji", "naïve café ™",
                     "line\nbreak\ttab", "<s> is not BOS", "<0x41> stays text", "a", " ", "   "]
        for text in fixed + TokenizerTestSupport.randomTexts(count: 200, maxWords: 30, seed: 7) {
            XCTAssertEqual(tok.decode(tok.encode(text, parseSpecial: false)), text, "round trip of \(text.debugDescription)")
        }
    }

    func testSpecialTextIsNotSpecialTokensWithoutParseSpecial() throws {
        let tok = try TokenizerTestSupport.tok512()
        let ids = tok.encode("<s></s><unk><0x41>", addBOS: false, parseSpecial: false)
        XCTAssertFalse(ids.contains(1))
        XCTAssertFalse(ids.contains(2))
        XCTAssertFalse(ids.contains(0))
        XCTAssertFalse(ids.contains(3 + 0x41))
    }

    func testParseSpecialMakesControlTextSingleTokensButNeverByteTokens() throws {
        let tok = try TokenizerTestSupport.tok512()
        // As llama.cpp's SentencePiece path: the text after a special token gets the space prefix again.
        XCTAssertEqual(tok.encode("Once</s>Once", addBOS: false), [403, 2, 403])
        XCTAssertEqual(tok.encode("<s>", addBOS: false), [1])
        XCTAssertFalse(tok.encode("<0x41>", addBOS: false).contains(3 + 0x41))
        XCTAssertEqual(tok.endOfGenerationIds, [2])
    }

    func testFastEncoderMatchesQuadraticReference() throws {
        let tok = try TokenizerTestSupport.tok512()
        for text in TokenizerTestSupport.randomTexts(count: 300, maxWords: 60, seed: 42) {
            XCTAssertEqual(tok.encode(text), TokenizerTestSupport.referenceEncode(tok, text),
                           "text \(text.debugDescription)")
        }
    }

    func testLongPromptMatchesReference() throws {
        let tok = try TokenizerTestSupport.tok512()
        let text = TokenizerTestSupport.randomTexts(count: 1, maxWords: 600, seed: 3)[0]
            + String(repeating: " Once upon a time there was a little girl.", count: 10)
        let fast = tok.encode(text)
        XCTAssertGreaterThan(fast.count, 300)
        XCTAssertEqual(fast, TokenizerTestSupport.referenceEncode(tok, text))
    }

    func testInitRejectsMismatchedArraysAndIds() {
        XCTAssertThrowsError(try Tokenizer(tokens: ["a", "b"], scores: [0], types: nil, bosId: 0, eosId: 0,
                                           unkId: 0, addBOS: true, addSpacePrefix: true))
        XCTAssertThrowsError(try Tokenizer(tokens: ["a", "b"], scores: [0, 0], types: [1], bosId: 0, eosId: 0,
                                           unkId: 0, addBOS: true, addSpacePrefix: true))
        XCTAssertThrowsError(try Tokenizer(tokens: ["a", "b"], scores: [0, 0], types: nil, bosId: 5, eosId: 0,
                                           unkId: 0, addBOS: true, addSpacePrefix: true))
        XCTAssertThrowsError(try Tokenizer(tokens: [], scores: [], types: nil, bosId: 0, eosId: 0,
                                           unkId: 0, addBOS: true, addSpacePrefix: true))
    }

    func testLlama2cLoaderRejectsTruncatedFiles() throws {
        let path = try TokenizerTestSupport.modelPath("tok512.bin")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for cut in [0, 3, 4, 10, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try Tokenizer.llama2c(bytes: Array(bytes[..<cut]), vocabSize: 512)) { error in
                XCTAssertTrue("\(error)".hasPrefix("tokenizer: "), "\(error)")
            }
        }
        XCTAssertThrowsError(try Tokenizer.llama2c(path: "/nonexistent/tok.bin", vocabSize: 512))
    }

    func testNoSpacePrefixAndMissingByteTokensUseUnknown() throws {
        let tok = try Tokenizer(tokens: ["<unk>", "<s>", "</s>", "a", "b", "ab"], scores: [0, 0, 0, 0, 0, 1],
                                types: nil, bosId: 1, eosId: 2, unkId: 0, addBOS: true, addSpacePrefix: false)
        XCTAssertEqual(tok.encode("abab", addBOS: false), [5, 5])
        XCTAssertEqual(tok.encode("ac"), [1, 3, 0])
        XCTAssertEqual(tok.decode([1, 5, 3]), "aba")
    }
}
