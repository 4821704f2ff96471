import Foundation
import Kernels
import XCTest
import Model

/// Prints how long the tokenizer, the sampler and the synthetic model builder take when
/// PDSCOPE_BENCH=1 (build with `-c release` for real numbers). Never asserts a speed.
final class SyntheticBenchmarkTests: XCTestCase {
    /// CPU time of this thread: on a machine shared with other builds, wall time mostly measures them.
    private func seconds(_ body: () -> Void) -> Double {
        func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let start = now()
        body()
        return now() - start
    }

    func testPrintTokenizerSamplerAndBuilderSpeed() throws {
        guard ProcessInfo.processInfo.environment["PDSCOPE_BENCH"] == "1" else {
            throw XCTSkip("set PDSCOPE_BENCH=1 to run the tokenizer/sampler/synthetic benchmark")
        }
        var lines: [String] = []
        for (shape, type) in [(SyntheticModel.Shape.pdscopeDefault, TensorType.q8_0), (.pdscopeDefault, .q4_0),
                              (.smollm135m, .q8_0), (.stories15m, .q8_0), (.tiny, .f32)] {
            var count = 0
            let s = seconds { count = SyntheticModel.makeGGUF(shape: shape, type: type, seed: 1).count }
            lines.append(String(format: "makeGGUF %@ %@: %.1f MB in %.3f s", shape.rawValue, type.description,
                                Double(count) / 1e6, s))
        }
        let tok = try SyntheticModel.makeTokenizer(vocabSize: 2048)
        let words = ["Once", "upon", "a", "time", "there", "was", "a", "little", "girl", "named", "Lily", "who",
                     "liked", "to", "play", "outside", "in", "the", "big", "green", "park", "with", "her", "dog."]
        let text = (0..<6000).map { words[($0 * 7 + $0 / 5) % words.count] }.joined(separator: " ")
        var ids: [Int32] = []
        let e = seconds { ids = tok.encode(text) }
        lines.append(String(format: "encode %d chars -> %d tokens: %.4f s (%.0f tokens/s)", text.utf8.count, ids.count,
                            e, Double(ids.count) / e))
        var r = SamplerRandom(seed: 1)
        let logits = (0..<32000).map { _ in r.nextUnitFloat() * 10 }
        for params in [SamplingParams.greedy, SamplingParams(temperature: 0.8, seed: 1),
                       SamplingParams(temperature: 0.8, topK: 40, seed: 1), SamplingParams(temperature: 0.8, topP: 0.9, seed: 1)] {
            var sampler = Sampler(params: params, vocabSize: logits.count)
            let n = 200
            let s = seconds { for _ in 0..<n { _ = sampler.sample(logits) } }
            lines.append(String(format: "sample vocab 32000 T=%.1f k=%d p=%.1f: %.1f us/token", params.temperature,
                                params.topK, params.topP, s / Double(n) * 1e6))
        }
        print("synthetic/tokenizer/sampler benchmark (thread CPU time):\n  " + lines.joined(separator: "\n  "))
        XCTAssertFalse(ids.isEmpty)
    }
}
