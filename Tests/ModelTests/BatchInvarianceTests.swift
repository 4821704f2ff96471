import Kernels
import TestSupport
import XCTest
@testable import Model

/// A request's logits are the same bits whatever shares its forward passes, however its prompt is
/// chunked, and with any number of threads (on one machine and kernel level): the property that
/// makes replays of seeded sessions reproduce every token.
final class BatchInvarianceTests: XCTestCase {
    struct Step { var rows: [ForwardRow]; var logitRows: [Int] }

    func testLogitsAreBitwiseIdenticalUnderRandomBatchesChunksAndThreads() throws {
        defer { KernelISA.use(.best) }
        for isa in KernelISA.allCases where isa.rawValue <= KernelISA.best.rawValue {
            KernelISA.use(isa)
            try checkInvariance()
        }
    }

    private func checkInvariance() throws {
        var rng = TestRandom(seed: 12)
        for type in [TensorType.q4_1, .q8_0, .q4_0, .f32] {
            let model = try LlamaModel(file: try GGUFFile(bytes: SyntheticModel.makeGGUF(shape: .tiny, type: type, seed: 3), name: "tiny.gguf"))
            let vocab = model.config.vocabSize
            let prompt = (0..<37).map { _ in Int32(rng.next() % UInt64(vocab)) }
            let followUps = (0..<5).map { _ in Int32(rng.next() % UInt64(vocab)) }
            let alone = try logitsOfA(model, prompt: prompt, followUps: followUps, threads: 1, chunks: [prompt.count], companions: false, rng: &rng)
            for trial in 0..<6 {
                var cuts: [Int] = []
                var left = prompt.count
                while left > 0 { let c = min(left, 1 + Int(rng.next() % 16)); cuts.append(c); left -= c }
                let threads = 1 + trial % 3
                let mixed = try logitsOfA(model, prompt: prompt, followUps: followUps, threads: threads, chunks: cuts, companions: true, rng: &rng)
                for (i, (a, b)) in zip(alone, mixed).enumerated() {
                    XCTAssertTrue(a.elementsEqual(b) { $0.bitPattern == $1.bitPattern },
                                  "\(type) \(KernelISA.current): logits \(i) differ with chunks \(cuts), \(threads) threads")
                }
            }
        }
    }

    /// Runs sequence A (prompt in `chunks`, then one decode step per follow-up token) and returns
    /// its logits after the prompt and after each step. With `companions`, every pass also carries
    /// rows of two other sequences (prefill chunks or decode tokens of random length), before or
    /// after A's rows.
    private func logitsOfA(_ model: LlamaModel, prompt: [Int32], followUps: [Int32], threads: Int, chunks: [Int],
                           companions: Bool, rng: inout TestRandom) throws -> [[Float]] {
        let context = ForwardContext(model: model, threads: ComputeThreads(count: threads))
        let layout = model.kvLayout(blockSize: 16)
        let perSequence = layout.blocksNeeded(tokens: model.config.contextLength)
        let arena = KVArena(layout: layout, blockCount: 3 * perSequence)
        let tables = (0..<3).map { s in (0..<perSequence).map { Int32(s * perSequence + $0) } }
        var positions = [0, 0, 0]
        var out: [[Float]] = []
        func run(_ aTokens: [Int32], wantLast: Bool) {
            var rows: [ForwardRow] = []
            let others = companions ? (1...2).map { s in (0..<Int(rng.next() % 6)).map { _ in
                ForwardRow(token: Int32(rng.next() % UInt64(model.config.vocabSize)), position: 0, sequence: s) } } : [[], []]
            let aFirst = rng.next() % 2 == 0
            func addA() {
                for t in aTokens { rows.append(ForwardRow(token: t, position: positions[0], sequence: 0)); positions[0] += 1 }
            }
            if aFirst { addA() }
            for (k, group) in others.enumerated() {
                for var r in group { r.position = positions[k + 1]; positions[k + 1] += 1; rows.append(r) }
            }
            if !aFirst { addA() }
            let aLast = rows.lastIndex { $0.sequence == 0 }!
            let logits = context.forward(rows: rows, blockTables: tables, kv: arena, logitRows: [aLast])
            if wantLast { out.append(logits[0]) }
        }
        var start = 0
        for (i, n) in chunks.enumerated() {
            run(Array(prompt[start..<(start + n)]), wantLast: i == chunks.count - 1)
            start += n
        }
        for t in followUps { run([t], wantLast: true) }
        return out
    }
}
