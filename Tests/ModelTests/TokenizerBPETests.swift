import XCTest
@testable import Model

/// SmolLM2's GPT-2 byte-level BPE against llama.cpp's ids (Benchmarks/goldens/smollm2-tokenizer.json).
final class TokenizerBPETests: XCTestCase {
    func testIssueExampleChatPrompt() throws {
        let tok = try TokenizerBPESupport.smolLM2()
        XCTAssertEqual(tok.algorithm, .byteLevelBPE)
        XCTAssertFalse(tok.addsBOS)
        XCTAssertEqual(tok.encode("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"),
                       [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198])
    }
}
