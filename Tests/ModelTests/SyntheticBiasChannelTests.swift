import Kernels
import XCTest
@testable import Model

/// The bias channel keeps control and byte tokens out of random-weight generations.
final class SyntheticBiasChannelTests: XCTestCase {
    func testChannelIsWrittenIntoEveryTypeOfFile() throws {
        for type in TensorType.allCases {
            let file = try GGUFFile(bytes: SyntheticModel.makeGGUF(shape: .tiny, type: type, seed: 4), name: "t")
            let c = SyntheticModel.Shape.tiny.config
            let channel = SyntheticModel.biasChannel(c)
            let embedding = file.floats(of: try XCTUnwrap(file.tensor(named: "token_embd.weight")))
            let output = file.floats(of: try XCTUnwrap(file.tensor(named: "output.weight")))
            let q = file.floats(of: try XCTUnwrap(file.tensor(named: "blk.1.attn_q.weight")))
            let down = file.floats(of: try XCTUnwrap(file.tensor(named: "blk.1.ffn_down.weight")))
            for r in 0..<c.vocabSize {
                XCTAssertEqual(embedding[r * c.dim], channel.embedding, accuracy: channel.embedding * 1e-3, "\(type) row \(r)")
                let expected: Float = r < SyntheticVocabulary.specialCount ? -channel.suppression : 0
                XCTAssertEqual(output[r * c.dim], expected, accuracy: 1e-3, "\(type) row \(r)")
            }
            for r in 0..<c.dim { XCTAssertEqual(q[r * c.dim], 0, "\(type): Q reads the channel") }
            XCTAssertEqual(Array(down[..<c.hiddenDim]), [Float](repeating: 0, count: c.hiddenDim), "\(type): FFN writes the channel")
            // The rest of an edited block keeps its random values (rescaled, not wiped).
            XCTAssertGreaterThan(Set(embedding[1..<32]).count, 3, "\(type)")
        }
    }

    func testGreedyGenerationPicksOnlyWordPieces() throws {
        let model = try LlamaModel(file: GGUFFile(bytes: SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 9), name: "t"))
        let ctx = ForwardContext(model: model)
        let layout = model.kvLayout()
        let table = (0..<Int32(layout.blocksNeeded(tokens: 64))).map { $0 }
        let kv = KVArena(layout: layout, blockCount: table.count)
        let prompt = model.tokenizer.encode("Once upon a time")
        var logits = ctx.prefill(tokens: prompt, startPosition: 0, blockTable: table, kv: kv)
        var sampler = Sampler(params: SamplingParams(temperature: 1, seed: 1), vocabSize: model.config.vocabSize)
        var generated: [Int32] = []
        for position in prompt.count..<60 {
            let token = sampler.sample(logits)
            generated.append(token)
            logits = ctx.decode([DecodeInput(token: token, position: position, blockTable: table)], kv: kv)[0]
        }
        XCTAssertTrue(generated.allSatisfy { $0 >= SyntheticVocabulary.specialCount }, "\(generated)")
        let text = model.tokenizer.decode(generated)
        XCTAssertTrue(text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, text.debugDescription)
    }
}
