import Kernels
import Model
import XCTest
@testable import Engine

/// The real engine (threads, pinning, real copies) on the `tiny` synthetic model: every policy ×
/// route × transfer mode finishes a small workload, gives every block back, and (greedy) produces
/// the same text.
final class TinyModelIntegrationTests: XCTestCase {
    private static let model: LlamaModel? = {
        let bytes = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 3)
        return try? LlamaModel(file: GGUFFile(bytes: bytes, name: "tiny"))
    }()

    private func workload() -> [RequestSpec] {
        [
            RequestSpec(user: "ann", prompt: .text("Once upon a time there was a little dog"), maxTokens: 12),
            RequestSpec(user: "bob", prompt: .synthetic(count: 150, prefixKeys: [1, 2], segmentTokens: 16), maxTokens: 8),
            RequestSpec(user: "cy", prompt: .synthetic(count: 150, prefixKeys: [1, 2], segmentTokens: 16), maxTokens: 8),
            RequestSpec(user: "dee", prompt: .text("The sun"), maxTokens: 20),
            RequestSpec(user: "eve", prompt: .synthetic(count: 300, prefixKeys: [], segmentTokens: 16), maxTokens: 4),
        ]
    }

    func testEveryArrangementFinishesWithSameTextAndAllBlocksBack() throws {
        guard let model = Self.model else { throw XCTSkip("tiny synthetic model could not be built") }
        var reference: [String]?
        for (policy, route, mode) in allArrangements {
            var config = makeConfig(policy, route: route, transfer: mode)
            config.maxBatchedTokens = 64
            config.kvCapacity = .blocks(40)
            config.localPrefillMax = route == .dFirst ? 32 : nil
            let engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model))
            let recorder = EventRecorder()
            engine.addSink(recorder)
            let ids = engine.run(workload: workload())
            engine.shutdown()
            let label = "\(policy.rawValue) \(route.rawValue) \(mode.rawValue)"
            XCTAssertEqual(Set(recorder.ends().values), ["length"], label)
            let snapshot = engine.snapshot()
            XCTAssertEqual(snapshot.ended, 5, label)
            for instance in snapshot.instances {
                XCTAssertEqual(instance.kvBlocksUsed, 0, "\(label): instance \(instance.id)")
                XCTAssertFalse(instance.coresObserved.isEmpty, label)
            }
            let texts = ids.map { recorder.text($0) }
            XCTAssertFalse(texts[0].isEmpty, label)
            if let reference { XCTAssertEqual(texts, reference, label) } else { reference = texts }
        }
    }

    func testSimulationWithRealModelMatchesThreadedText() throws {
        guard let model = Self.model else { throw XCTSkip("tiny synthetic model could not be built") }
        var config = makeConfig(.disaggregated, transfer: .pool)
        config.kvCapacity = .blocks(12)  // tight: three 100-token sequences need 21 blocks
        let simulation = try EngineSimulation(config: config, clock: ManualClock(), runnerFactory: LlamaRunner.factory(model: model))
        let recorder = EventRecorder()
        simulation.addSink(recorder)
        let specs = ["Once upon a time", "The dog", "Lily and Ben"].map {
            RequestSpec(user: "u", prompt: .text($0), maxTokens: 90)
        }
        for spec in specs { simulation.submit(spec) }
        try simulation.run()
        assertAllBlocksReturned(simulation)
        XCTAssertEqual(Set(recorder.ends().values), ["length"])
        XCTAssertGreaterThan(recorder.preemptionCount, 0)

        let engine = try Engine(config: makeConfig(.chunkedPrefill), runnerFactory: LlamaRunner.factory(model: model))
        let threaded = EventRecorder()
        engine.addSink(threaded)
        let ids = engine.run(workload: specs)
        engine.shutdown()
        XCTAssertEqual(simulation.requestIDs.map { recorder.text($0) }, ids.map { threaded.text($0) })
    }
}

/// The threaded engine with the fake runner: threads start, run, go idle and stop.
final class ThreadedEngineTests: XCTestCase {
    func testThreadedEngineFinishesAndReportsPlacement() throws {
        var config = makeConfig(.disaggregated)
        config.kvCapacity = .blocks(16)
        let engine = try Engine(config: config) { _ in FakeModelRunner(clock: nil) }
        let recorder = EventRecorder()
        engine.addSink(recorder)
        engine.start()
        let ids = (0..<20).map { engine.submit(synthetic(10 + $0 * 7, maxTokens: 15)) }
        engine.waitUntilIdle()
        let snapshot = engine.snapshot()
        engine.shutdown()
        XCTAssertEqual(ids.map { engine.state(of: $0) }, Array(repeating: .finished(.length), count: 20))
        XCTAssertEqual(snapshot.instances.map(\.role), [.prefill, .decode])
        XCTAssertEqual(snapshot.instances.map(\.coresRequested), [[0], [1]])
        XCTAssertTrue(snapshot.instances.allSatisfy { $0.kvBlocksUsed == 0 && $0.steps > 0 })
        // Event times never run backwards within one request's tokens.
        for id in ids { XCTAssertEqual(recorder.tokenTimes(id), recorder.tokenTimes(id).sorted()) }
    }
}
