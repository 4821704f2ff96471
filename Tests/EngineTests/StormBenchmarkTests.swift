import Foundation
import Kernels
import Model
import XCTest
@testable import Engine

/// The seed's headline on a real synthetic model with real threads: decode ITL p99 of chatting
/// users during a long-prompt storm, divided by the same decodes' ITL p99 with no long prompts.
/// Prints numbers only (no timed assertions). Opt in: `PDSCOPE_BENCH=1` (shape via
/// `PDSCOPE_BENCH_SHAPE`, default `stories15m`).
final class StormBenchmarkTests: XCTestCase {
    func testLongPromptStormHeadline() throws {
        let environment = ProcessInfo.processInfo.environment
        guard environment["PDSCOPE_BENCH"] == "1" else { throw XCTSkip("set PDSCOPE_BENCH=1 to run the storm benchmark") }
        let shape = SyntheticModel.Shape(rawValue: environment["PDSCOPE_BENCH_SHAPE"] ?? "stories15m") ?? .stories15m
        let model = try LlamaModel(file: GGUFFile(bytes: SyntheticModel.makeGGUF(shape: shape, type: .q8_0, seed: 1), name: shape.rawValue))
        let longPrompt = model.config.contextLength * 3 / 4
        let chat = (0..<4).map { user in
            RequestSpec(arrivalOffset: 0.05 * Double(user), user: "chat\(user)",
                        prompt: .synthetic(count: 24, prefixKeys: [], segmentTokens: 16), maxTokens: 120)
        }
        let storm = (0..<3).map { index in
            RequestSpec(arrivalOffset: 0.3 + 0.6 * Double(index), user: "storm",
                        prompt: .synthetic(count: longPrompt, prefixKeys: [], segmentTokens: 16), maxTokens: 4)
        }
        var lines = ["storm benchmark: \(shape.rawValue), long prompts of \(longPrompt) tokens"]
        for policy in SchedulingPolicy.allCases {
            var config = EngineConfig()
            config.policy = policy
            let isolated = try chatITLp99(config, model: model, workload: chat)
            let stormy = try chatITLp99(config, model: model, workload: chat + storm)
            lines.append(String(format: "%@: ITL p99 isolated %.1f ms, storm %.1f ms, ratio %.2f×",
                                policy.rawValue, isolated * 1e3, stormy * 1e3, stormy / isolated))
        }
        print(lines.joined(separator: "\n"))
    }

    private func chatITLp99(_ config: EngineConfig, model: LlamaModel, workload: [RequestSpec]) throws -> Double {
        let engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model))
        let recorder = EventRecorder()
        engine.addSink(recorder)
        let ids = engine.run(workload: workload)
        engine.shutdown()
        var gaps: [Double] = []
        for (id, spec) in zip(ids, workload.sorted { $0.arrivalOffset < $1.arrivalOffset }) where spec.user.hasPrefix("chat") {
            gaps += recorder.gaps(id)
        }
        gaps.sort()
        return gaps[min(gaps.count - 1, Int(Double(gaps.count) * 0.99))]
    }
}
