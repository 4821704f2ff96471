import Kernels
import XCTest
@testable import Model

final class LlamaConfigTensorsTests: XCTestCase {
    static let stories = LlamaConfig(dim: 64, hiddenDim: 172, layerCount: 5, headCount: 8, kvHeadCount: 4,
                                     vocabSize: 512, contextLength: 512)

    func testSharedModelsGiveTheDocumentedConfig() throws {
        for (file, type) in [("stories260K-f32.gguf", TensorType.f32), ("stories260K-q8_0.gguf", .q8_0)] {
            let gguf = try GGUFFile(path: GGUFTestSupport.sharedModel(file))
            XCTAssertEqual(gguf.version, 3)
            XCTAssertEqual(gguf.alignment, 32)
            XCTAssertEqual(gguf.tensors.count, 48)
            let config = try LlamaConfig(gguf: gguf)
            XCTAssertEqual(config, Self.stories)
            XCTAssertEqual(config.headDim, 8)
            XCTAssertEqual(config.kvDim, 32)
            XCTAssertEqual(config.ropeDim, 8)
            XCTAssertEqual(config.rmsEps, 1e-5)
            let tensors = try LlamaTensors(gguf: gguf, config: config)
            XCTAssertEqual(tensors.layers.count, 5)
            XCTAssertEqual(tensors.tokenEmbedding.type, type)
            XCTAssertEqual(tensors.tokenEmbedding.rows, 512)
            XCTAssertEqual(tensors.tokenEmbedding.cols, 64)
            XCTAssertEqual(tensors.layers[0].wk.rows, 32)
            XCTAssertEqual(tensors.layers[4].down.cols, 172)
            XCTAssertEqual(tensors.layers[4].down.type, .f32, "172-wide rows cannot be Q8_0")
            XCTAssertEqual(tensors.outputNorm.count, 64)
            XCTAssertNotEqual(tensors.output.data, tensors.tokenEmbedding.data, "the file has its own output.weight")
        }
    }

    func testConfigDefaultsAndVocabFromTokens() throws {
        let file = try GGUFFile(bytes: GGUFTestSupport.tinyLlama().serialize(), name: "tiny.gguf")
        let c = try LlamaConfig(gguf: file)
        XCTAssertEqual(c.vocabSize, 4, "taken from the tokens array")
        XCTAssertEqual(c.ropeDim, 8)
        XCTAssertEqual(c.ropeFreqBase, 10000)
        XCTAssertEqual(c.rmsEps, 1e-5)
        XCTAssertEqual(c.kvDim, 16)
    }

    private func configError(_ edit: (inout GGUFWriter) -> Void) -> String {
        var w = GGUFWriter()
        let base = GGUFTestSupport.tinyLlama()
        for (k, v) in base.entries { w.add(k, v) }
        edit(&w)
        do {
            let file = try GGUFFile(bytes: w.serialize(), name: "cfg.gguf")
            _ = try LlamaConfig(gguf: file)
            XCTFail("expected an error")
        } catch { return "\(error)" }
        return ""
    }

    /// Writers append, and duplicate keys are refused by the reader, so edits rebuild the key list.
    private func configError(replacing key: String, with value: GGUFValue?) -> String {
        configError { w in
            var fresh = GGUFWriter()
            for (k, v) in w.entries where k != key { fresh.add(k, v) }
            if let value { fresh.add(key, value) }
            w = fresh
        }
    }

    func testConfigErrors() {
        XCTAssertEqual(configError(replacing: "general.architecture", with: .string("gpt2")),
                       "cfg.gguf: architecture 'gpt2' is not supported (only llama)")
        XCTAssertEqual(configError(replacing: "llama.block_count", with: nil),
                       "cfg.gguf: metadata key 'llama.block_count' is missing")
        XCTAssertEqual(configError(replacing: "llama.block_count", with: .string("1")),
                       "cfg.gguf: metadata key 'llama.block_count' has type string, expected an integer")
        XCTAssertEqual(configError(replacing: "llama.attention.head_count", with: .uint32(5)),
                       "cfg.gguf: llama.attention.head_count 5 does not divide llama.embedding_length 32")
        XCTAssertEqual(configError(replacing: "llama.attention.head_count_kv", with: .uint32(3)),
                       "cfg.gguf: llama.attention.head_count_kv 3 does not divide llama.attention.head_count 4")
        XCTAssertEqual(configError(replacing: "llama.feed_forward_length", with: .int32(-1)),
                       "cfg.gguf: llama.feed_forward_length is -1, must be between 1 and 16777216")
        XCTAssertEqual(configError(replacing: "llama.attention.head_count", with: .uint32(32)),
                       "cfg.gguf: head dimension 1 is odd; RoPE rotates pairs")
        XCTAssertTrue(configError { $0.add("llama.rope.dimension_count", .uint32(10)) }
                        .contains("llama.rope.dimension_count 10 must be even and at most the head dimension 8"))
        XCTAssertTrue(configError(replacing: "tokenizer.ggml.tokens", with: nil).contains("vocabulary size unknown"))
    }

    private func tensorsError(_ w: GGUFWriter) -> String {
        do {
            let file = try GGUFFile(bytes: w.serialize(), name: "t.gguf")
            _ = try LlamaTensors(gguf: file, config: try LlamaConfig(gguf: file))
            XCTFail("expected an error")
        } catch { return "\(error)" }
        return ""
    }

    func testTensorsFromTinyModel() throws {
        for type in TensorType.allCases {
            let file = try GGUFFile(bytes: GGUFTestSupport.tinyLlama(type: type).serialize(), name: "tiny.gguf")
            let t = try LlamaTensors(gguf: file, config: try LlamaConfig(gguf: file))
            XCTAssertEqual(t.output.data, t.tokenEmbedding.data, "no output.weight: tied")
            XCTAssertEqual(t.layers[0].wq.type, type)
            XCTAssertEqual([t.layers[0].gate.rows, t.layers[0].gate.cols], [64, 32])
            XCTAssertEqual([t.layers[0].down.rows, t.layers[0].down.cols], [32, 64])
            // Norms decode from F32 and F16 alike (value k: ((7k) % 13)/13 - 0.5, exact in F16 for k < 2).
            XCTAssertEqual(t.layers[0].ffnNorm[0], -0.5)
            XCTAssertEqual(t.layers[0].ffnNorm[1], Float(Float16(7.0 / 13 - 0.5)))
            XCTAssertEqual(t.outputNorm[1], 7.0 / 13 - 0.5)
        }
    }

    func testMissingTensorIsNamed() {
        XCTAssertEqual(tensorsError(GGUFTestSupport.tinyLlama(omit: "blk.0.attn_v.weight")),
                       "t.gguf: tensor 'blk.0.attn_v.weight' (32 x 16) is missing")
    }

    func testWrongShapeIsNamed() {
        let w = GGUFTestSupport.tinyLlama(reshape: ["blk.0.ffn_down.weight": [32, 64]])
        XCTAssertEqual(tensorsError(w), "t.gguf: tensor 'blk.0.ffn_down.weight' has shape 32 x 64, expected 64 x 32")
        let norm = GGUFTestSupport.tinyLlama(reshape: ["output_norm.weight": [32, 1]])
        XCTAssertEqual(tensorsError(norm), "t.gguf: tensor 'output_norm.weight' has shape 32 x 1, expected 32")
    }
}
