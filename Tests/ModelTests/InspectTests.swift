import Kernels
import XCTest
@testable import Model

final class InspectTests: XCTestCase {
    func testReportOfSharedQ8Model() throws {
        let file = try GGUFFile(path: GGUFTestSupport.sharedModel("stories260K-q8_0.gguf"))
        let report = ModelInspector.report(file)
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "stories260K-q8_0.gguf: GGUF v3, 489472 bytes (478.0 KiB), alignment 32, "
                       + "24 metadata keys, 48 tensors")
        XCTAssertTrue(lines.contains("architecture: llama  name: stories260K  file_type: 7"), report)
        XCTAssertTrue(lines.contains("  dim 64  hidden_dim 172  layers 5  heads 8  kv_heads 4  head_dim 8"), report)
        XCTAssertTrue(report.contains("tokenizer: model llama  vocab 512  bos 1 '<s>'  eos 2 '</s>'  unknown 0 '<unk>'"), report)
        XCTAssertTrue(report.contains("add_bos_token true  add_eos_token false  add_space_prefix true"), report)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  token_embd.weight") && $0.contains("Q8_0") && $0.hasSuffix(" 34816") },
                      report)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  blk.4.ffn_down.weight") && $0.contains("F32") && $0.contains("172 x 64") })
        XCTAssertTrue(report.contains("total: 48 tensors (16 F32, 32 Q8_0), 292800 parameters, 474848 bytes"), report)
        XCTAssertTrue(lines.contains("  tokenizer.ggml.tokens                   [string × 512]"), report)
        XCTAssertTrue(lines.contains("  llama.rope.freq_base                    10000.0"), report)
        XCTAssertTrue(report.hasSuffix("\n"))
    }

    func testReportOfNonLlamaFileExplainsWhy() throws {
        var w = GGUFWriter()
        w.add("general.architecture", .string("gpt2"))
        w.addTensor(name: "x", type: .f16, shape: [2, 2], data: [UInt8](repeating: 0, count: 8))
        let report = ModelInspector.report(try GGUFFile(bytes: w.serialize(), name: "g.gguf"))
        XCTAssertTrue(report.contains("hyper-parameters: unusable: g.gguf: architecture 'gpt2' is not supported"), report)
        XCTAssertTrue(report.contains("tokenizer: (none)"), report)
        XCTAssertTrue(report.contains("total: 1 tensors (1 F16), 4 parameters, 8 bytes of tensor data (8 B)"), report)
    }

    func testMultiLineStringsStayOnOneLine() {
        XCTAssertEqual(ModelInspector.oneLine("a\nb"), "a\\nb")
        XCTAssertEqual(ModelInspector.oneLine(String(repeating: "x", count: 150)), String(repeating: "x", count: 100) + "…")
    }

    func testHumanBytes() {
        XCTAssertEqual(ModelInspector.humanBytes(1023), "1023 B")
        XCTAssertEqual(ModelInspector.humanBytes(1536), "1.5 KiB")
        XCTAssertEqual(ModelInspector.humanBytes(3 << 30), "3.0 GiB")
    }
}
