import Foundation
import Kernels
import XCTest
@testable import Model

/// Conversion of small hand-made llama2.c checkpoints: untied classifier, other types, and broken inputs.
final class Llama2cSyntheticTests: XCTestCase {
    private var dir = ""
    // dim 32, hidden 64, 1 layer, 4 heads, 2 KV heads, vocab 4, seq_len 8 → head_dim 8, kvDim 16.
    private let header: [Int32] = [32, 64, 1, 4, 2, 4, 8]

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "pdscope-l2c-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Floats the header implies: emb 128, rms_att 32, wq 1024, wk 512, wv 512, wo 1024, rms_ffn 32,
    /// w1 2048, w2 2048, w3 2048, rms_final 32, freq_cis 2 x 32, plus wcls 128 when untied.
    private func floatCount(untied: Bool) -> Int { 128 + 32 + 1024 + 512 * 2 + 1024 + 32 + 2048 * 3 + 32 + 64 + (untied ? 128 : 0) }

    private func writeCheckpoint(_ header: [Int32], floats: Int, extraBytes: [UInt8] = [], name: String = "ck.bin") -> String {
        var bytes: [UInt8] = []
        for v in header { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        for i in 0..<floats { withUnsafeBytes(of: (Float(i % 97) / 97 - 0.5).bitPattern.littleEndian) { bytes += $0 } }
        bytes += extraBytes
        let path = dir + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    private func writeTokenizer(_ pieces: [String], lengths: [Int32]? = nil, trailing: [UInt8] = []) -> String {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: Int32(8).littleEndian) { bytes += $0 }
        for (i, p) in pieces.enumerated() {
            withUnsafeBytes(of: Float(-Float(i)).bitPattern.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: (lengths?[i] ?? Int32(p.utf8.count)).littleEndian) { bytes += $0 }
            bytes += Array(p.utf8)
        }
        bytes += trailing
        let path = dir + "tok.bin"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    private let pieces = ["<unk>", "\n<s>\n", "\n</s>\n", " a b"]

    func testUntiedClassifierAndTokenizerMetadata() throws {
        var untied = header
        untied[5] = -4
        let ck = writeCheckpoint(untied, floats: floatCount(untied: true))
        let (writer, notes) = try Llama2cConverter.convert(checkpoint: ck, tokenizer: writeTokenizer(pieces), type: .f32)
        XCTAssertEqual(notes, [])
        let file = try GGUFFile(bytes: writer.serialize(), name: "out.gguf")
        XCTAssertEqual(file.string("general.name"), "ck")
        XCTAssertEqual(file.stringArray("tokenizer.ggml.tokens"), ["<unk>", "<s>", "</s>", "▁a▁b"])
        XCTAssertEqual(file.intArray("tokenizer.ggml.token_type"), [2, 3, 3, 1])
        XCTAssertEqual(file.floatArray("tokenizer.ggml.scores"), [0, -1, -2, -3])
        let config = try LlamaConfig(gguf: file)
        XCTAssertEqual(config, LlamaConfig(dim: 32, hiddenDim: 64, layerCount: 1, headCount: 4, kvHeadCount: 2,
                                           vocabSize: 4, contextLength: 8))
        // The classifier is the last 128 floats of the file, after the freq_cis tables.
        let classifier = file.floats(of: file.tensor(named: "output.weight")!)
        let start = floatCount(untied: true) - 128
        XCTAssertEqual(classifier, (start..<(start + 128)).map { Float($0 % 97) / 97 - 0.5 })
        XCTAssertEqual(file.floats(of: file.tensor(named: "token_embd.weight")!), (0..<128).map { Float($0 % 97) / 97 - 0.5 })
        XCTAssertNoThrow(try LlamaTensors(gguf: file, config: config))
    }

    func testOtherTypesAndFileTypes() throws {
        let ck = writeCheckpoint(header, floats: floatCount(untied: false))
        let tok = writeTokenizer(pieces)
        for (type, fileType) in [(TensorType.f16, 1), (.q4_0, 2), (.q8_0, 7), (.f32, 0)] {
            let (writer, notes) = try Llama2cConverter.convert(checkpoint: ck, tokenizer: tok, type: type)
            XCTAssertEqual(notes, [], "every row length here is a multiple of 32")
            let file = try GGUFFile(bytes: writer.serialize(), name: "out.gguf")
            XCTAssertEqual(file.int("general.file_type"), fileType)
            XCTAssertEqual(file.tensor(named: "blk.0.ffn_down.weight")?.type, type)
            XCTAssertEqual(file.tensor(named: "blk.0.ffn_norm.weight")?.type, .f32, "norms stay F32")
            let original = (0..<64).map { Float($0 % 97) / 97 - 0.5 }  // first two rows of the embedding
            let decoded = Array(file.floats(of: file.tensor(named: "token_embd.weight")!).prefix(64))
            let tolerance: Float = type == .q4_0 ? 0.07 : 0.01
            for (a, b) in zip(original, decoded) { XCTAssertEqual(a, b, accuracy: tolerance, "\(type)") }
        }
    }

    private func convertError(_ ck: String, _ tok: String? = nil) -> String {
        do {
            _ = try Llama2cConverter.convert(checkpoint: ck, tokenizer: tok ?? writeTokenizer(pieces), type: .q8_0)
            XCTFail("expected an error")
        } catch { return "\(error)" }
        return ""
    }

    func testBrokenCheckpoints() {
        let full = floatCount(untied: false)
        XCTAssertEqual(convertError(writeCheckpoint(header, floats: full - 1)),
                       "ck.bin: truncated: the header (dim 32, hidden_dim 64, n_layers 1, n_heads 4, n_kv_heads 2, "
                       + "vocab_size 4, seq_len 8) needs \(28 + 4 * full) bytes, the file has \(24 + 4 * full)")
        XCTAssertTrue(convertError(writeCheckpoint(header, floats: full, extraBytes: [0, 0, 0, 0]))
                        .contains("not a llama2.c v0 float32 checkpoint"))
        XCTAssertEqual(convertError(writeCheckpoint([32, 64], floats: 0)),
                       "ck.bin: truncated: the 28-byte llama2.c header needs more than the 8 bytes in the file")
        XCTAssertEqual(convertError(writeCheckpoint([32, 64, 0, 4, 2, 4, 8], floats: 10)),
                       "ck.bin: header field n_layers is 0, must be positive (is this a llama2.c checkpoint?)")
        XCTAssertTrue(convertError(writeCheckpoint([32, 64, 1, 4, 3, 4, 8], floats: 10))
                        .hasPrefix("ck.bin: header 32 64 1 4 3 4 8 is inconsistent: llama.attention.head_count_kv 3"))
        XCTAssertTrue(convertError(writeCheckpoint([0x616b_3432, 1, 0, 0, 0, 0, 0], floats: 10))
                        .contains("version-1 export; only the legacy v0"))
        XCTAssertTrue(convertError(writeCheckpoint([1 << 24, 1 << 24, 1 << 24, 2, 2, 4, 8], floats: 0))
                        .hasPrefix("ck.bin: "))
        XCTAssertTrue(convertError(dir + "missing.bin").hasPrefix("missing.bin: cannot open"))
    }

    func testBrokenTokenizers() {
        let ck = writeCheckpoint(header, floats: floatCount(untied: false))
        XCTAssertEqual(convertError(ck, writeTokenizer(Array(pieces.prefix(3)))),
                       "tok.bin: truncated: token 3 at byte 44 is cut off; the checkpoint's vocabulary has 4 tokens, the file holds 3")
        XCTAssertEqual(convertError(ck, writeTokenizer(pieces, trailing: [1, 2, 3])),
                       "tok.bin: 3 bytes follow the 4 tokens the checkpoint expects (tokenizer made for another vocabulary size?)")
        XCTAssertEqual(convertError(ck, writeTokenizer(pieces, lengths: [5, 5, -1, 4])),
                       "tok.bin: token 2 at byte 30 has negative length -1")
        XCTAssertEqual(convertError(ck, writeTokenizer(pieces, lengths: [5, 5, 6, 400])),
                       "tok.bin: token 3 at byte 44 has length 400, but only 4 bytes remain")
    }
}
