import Kernels
import XCTest
@testable import Model

final class SyntheticModelTests: XCTestCase {
    /// FNV-1a over the bytes: enough to tell two files apart in a determinism test.
    private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    func testShapesAndNames() {
        XCTAssertEqual(SyntheticModel.Shape(rawValue: "default"), .pdscopeDefault)
        XCTAssertEqual(SyntheticModel.Shape(rawValue: "smollm-135m"), .smollm135m)
        for shape in SyntheticModel.Shape.allCases {
            XCTAssertNoThrow(try shape.config.validate(), "\(shape)")
        }
        let d = SyntheticModel.Shape.pdscopeDefault.config
        XCTAssertEqual([d.dim, d.hiddenDim, d.layerCount, d.headCount, d.kvHeadCount, d.contextLength, d.vocabSize],
                       [576, 1536, 12, 9, 3, 2048, 2048])
    }

    func testTinyFileParsesAsALlamaModel() throws {
        for type in TensorType.allCases {
            let bytes = SyntheticModel.makeGGUF(shape: .tiny, type: type, seed: 7)
            let file = try GGUFFile(bytes: bytes, name: "tiny.gguf")
            let config = try LlamaConfig(gguf: file)
            XCTAssertEqual(config, SyntheticModel.Shape.tiny.config)
            XCTAssertNoThrow(try LlamaTensors(gguf: file, config: config))
            XCTAssertTrue(SyntheticModel.isSynthetic(file))
            XCTAssertEqual(file.string("general.name"), "synthetic tiny (seed 7, random weights)")
            XCTAssertEqual(file.tensor(named: "blk.0.attn_q.weight")?.type, type)
            // Rows of 172 are not whole blocks of 32: ffn_down stays F32 for quantized types.
            XCTAssertEqual(file.tensor(named: "blk.1.ffn_down.weight")?.type, type.blockSize == 1 ? type : .f32)
            XCTAssertEqual(file.tensor(named: "output_norm.weight").map { file.floats(of: $0) },
                           [Float](repeating: 1, count: 64))
        }
    }

    func testSameArgumentsGiveIdenticalBytes() {
        let a = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1)
        let b = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1)
        let c = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 2)
        XCTAssertEqual(fnv1a(a), fnv1a(b))
        XCTAssertEqual(a.count, b.count)
        XCTAssertNotEqual(fnv1a(a), fnv1a(c))
    }

    func testWeightScaleFollowsFanIn() throws {
        for type in [TensorType.f32, .q8_0, .q4_0] {
            let file = try GGUFFile(bytes: SyntheticModel.makeGGUF(shape: .tiny, type: type, seed: 3), name: "t")
            let w = file.floats(of: try XCTUnwrap(file.tensor(named: "blk.0.ffn_gate.weight")))
            let mean = w.reduce(0, +) / Float(w.count)
            let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
            XCTAssertEqual(std, 1 / Float(64).squareRoot(), accuracy: 0.015, "\(type)")
            XCTAssertEqual(mean, 0, accuracy: 0.01, "\(type)")
        }
    }

    func testTokenizerRoundTripsAndReadsLikeWords() throws {
        let file = try GGUFFile(bytes: SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 0), name: "t")
        let tok = try Tokenizer(gguf: file)
        XCTAssertEqual(tok.tokens, try SyntheticModel.makeTokenizer(vocabSize: 512).tokens)
        for text in ["Once upon a time there was a little girl.", "日本語 😀 café", "x", "  two  spaces"] {
            XCTAssertEqual(tok.decode(tok.encode(text)), text)
        }
        // Common words become single pieces.
        XCTAssertEqual(tok.encode("the", addBOS: false).count, 1)
        XCTAssertLessThan(tok.encode("Once upon a time", addBOS: false).count, 8)
    }

    func testVocabulariesOfEveryShapeAreFullAndUnique() {
        for shape in SyntheticModel.Shape.allCases {
            let v = SyntheticVocabulary.make(size: shape.config.vocabSize)
            XCTAssertEqual(v.tokens.count, shape.config.vocabSize)
            XCTAssertEqual(Set(v.tokens).count, v.tokens.count, "\(shape) has duplicate pieces")
            XCTAssertEqual(v.tokens[3], "<0x00>")
            XCTAssertEqual(v.tokens[258], "<0xFF>")
            XCTAssertTrue(v.scores.enumerated().dropFirst(SyntheticVocabulary.minimumSize + 1)
                .allSatisfy { $0.element < v.scores[$0.offset - 1] }, "scores must decrease")
        }
    }

    func testTooSmallVocabularyIsAnError() {
        XCTAssertThrowsError(try SyntheticModel.makeTokenizer(vocabSize: 300))
    }

    func testEveryMergedPieceIsReachable() throws {
        // Encoding a piece's own text must give that piece back, else it could never appear.
        let tok = try SyntheticModel.makeTokenizer(vocabSize: 4096)
        var unreachable: [String] = []
        for (i, piece) in tok.tokens.enumerated() where tok.kinds[i] == .normal && piece.hasPrefix("\u{2581}") && piece.count > 1 {
            let text = String(piece.dropFirst())
            if tok.encode(text, addBOS: false) != [Int32(i)] { unreachable.append(piece) }
        }
        XCTAssertTrue(unreachable.isEmpty, "unreachable: \(unreachable.prefix(20))")
    }
}
