import Foundation
import Kernels
import Model
import TestSupport
import XCTest
@testable import Engine

/// The engine stops a SmolLM2 request at <|im_end|> (an end-of-turn token, not only EOS) and
/// streams the same answer `generate` gives. Skipped without the cached model.
final class SmolLM2StopTests: XCTestCase {
    func testEngineStopsAtEndOfTurnWithTheAnswer() throws {
        let path = try TestFiles.smolLM2Path()
        let model = try LlamaModel(path: path, maxContextLength: 256)
        let runner = LlamaRunner(model: model, placement: InstancePlacement(instance: InstanceID(0), role: .both, cores: [],
                                                                           maxChunkTokens: nil, maxBatch: 1))
        XCTAssertTrue(runner.isEndOfGeneration(2) && runner.isEndOfGeneration(0) && !runner.isEndOfGeneration(1))
        XCTAssertNil(runner.bosToken, "SmolLM2 adds no BOS")

        let engine = try Engine(config: makeConfig(.colocatedFCFS), runnerFactory: LlamaRunner.factory(model: model))
        let recorder = EventRecorder()
        engine.addSink(recorder)
        let prompt = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
        let ids = engine.run(workload: [RequestSpec(user: "u", prompt: .text(prompt), maxTokens: 40)])
        engine.shutdown()
        XCTAssertEqual(recorder.ends()[ids[0]], "stop")
        XCTAssertEqual(recorder.text(ids[0]), "The capital of France is Paris.")
    }
}
