import XCTest
@testable import Engine

/// Exhaustion, admission and overload: nothing is ever dropped, every block comes back.
final class KVPressureTests: XCTestCase {
    func testDecodePoolExhaustionPreemptsNewestAndRecomputesSameText() throws {
        func run(kvBlocks: Int) throws -> (EventRecorder, EngineSimulation) {
            var config = makeConfig(.disaggregated)
            config.kvCapacity = .blocks(kvBlocks)
            let (simulation, recorder) = try makeSimulation(config)
            for index in 0..<4 { simulation.submit(synthetic(30, maxTokens: 40, at: 0.001 * Double(index))) }
            try simulation.run()
            assertAllBlocksReturned(simulation)
            return (recorder, simulation)
        }
        let (roomy, _) = try run(kvBlocks: 64)
        // Each request grows to 70 tokens = 5 blocks; 4 of them need 20 > 12.
        let (tight, simulation) = try run(kvBlocks: 12)
        XCTAssertEqual(roomy.preemptionCount, 0)
        XCTAssertGreaterThan(tight.preemptionCount, 0)
        XCTAssertEqual(simulation.snapshot().preemptions, tight.preemptionCount)
        XCTAssertEqual(tight.ends(), [0: "length", 1: "length", 2: "length", 3: "length"])
        // Recompute rebuilds the same KV, so the text does not change.
        for id in 0..<4 { XCTAssertEqual(tight.text(id), roomy.text(id)) }
        let victims = tight.events.compactMap { event -> RequestID? in
            if case .preempted(let id, _, let reason) = event.kind {
                XCTAssertTrue(reason.contains("out of KV blocks"), reason)
                return id
            }
            return nil
        }
        XCTAssertFalse(victims.contains(0), "the oldest request is never the victim")
    }

    func testChunkedPrefillPreemptionInColocatedPool() throws {
        var config = makeConfig(.chunkedPrefill, sameCores: true)
        config.kvCapacity = .blocks(10)
        let (simulation, recorder) = try makeSimulation(config)
        for index in 0..<5 { simulation.submit(synthetic(20, maxTokens: 60, at: 0.0005 * Double(index))) }
        try simulation.run()
        assertAllBlocksReturned(simulation)
        XCTAssertGreaterThan(recorder.preemptionCount, 0)
        XCTAssertEqual(recorder.ends().values.filter { $0 == "length" }.count, 5)
    }

    func testRejectionsAreImmediateWithClearReasons() throws {
        var config = makeConfig(.disaggregated)
        config.kvCapacity = .blocks(8)
        let (simulation, recorder) = try makeSimulation(config, contextLength: 256)
        simulation.submit(synthetic(300, maxTokens: 4))   // longer than the context
        simulation.submit(synthetic(100, maxTokens: 100)) // 199 tokens of KV = 13 blocks > 8
        simulation.submit(synthetic(10, maxTokens: 0))
        simulation.submit(synthetic(0, maxTokens: 4))
        simulation.submit(synthetic(10, maxTokens: 4))    // fine
        try simulation.run()
        let reasons = recorder.events.compactMap { event -> String? in
            if case .rejected(_, let reason) = event.kind { return reason } else { return nil }
        }
        XCTAssertEqual(reasons.count, 4)
        XCTAssertTrue(reasons[0].contains("exceeds the context length of 256"), reasons[0])
        XCTAssertTrue(reasons[1].contains("needs 13 KV blocks") && reasons[1].contains("decode pool holds 8"), reasons[1])
        XCTAssertTrue(reasons[2].contains("max tokens"), reasons[2])
        XCTAssertEqual(reasons[3], "empty prompt")
        XCTAssertEqual(recorder.ends()[4], "length")
        // Rejected at arrival: no time passed.
        for event in recorder.events { if case .rejected = event.kind { XCTAssertEqual(event.time, 0) } }
    }

    func testNothingDroppedUnderOverloadInEveryArrangement() throws {
        for (policy, route, mode) in allArrangements {
            var config = makeConfig(policy, route: route, transfer: mode)
            config.kvCapacity = .blocks(24)
            config.kvStoreBlocks = 30
            config.maxRunning = 4
            config.localPrefillMax = route == .dFirst ? 40 : nil
            let (simulation, recorder) = try makeSimulation(config, contextLength: 256)
            var generator = SplitMix64(seed: 7)
            for index in 0..<80 {
                let prompt = 5 + Int(generator.next() % 200)
                let output = 1 + Int(generator.next() % 120)
                simulation.submit(synthetic(prompt, maxTokens: output, at: 0.0002 * Double(index),
                                            keys: index % 3 == 0 ? [1, 2] : []))
            }
            do { try simulation.run() } catch { XCTFail("\(policy) \(route) \(mode): \(error)"); continue }
            let ends = recorder.ends()
            XCTAssertEqual(ends.count, 80, "\(policy) \(route) \(mode)")
            XCTAssertTrue(ends.values.allSatisfy { ["length", "stop", "rejected"].contains($0) }, "\(ends)")
            XCTAssertGreaterThan(ends.values.filter { $0 == "length" }.count, 40)
            assertAllBlocksReturned(simulation)
            // Every allocation event is matched by a free event (the store keeps its cached blocks).
            var balance: [KVLocation: Int] = [:]
            for event in recorder.events {
                if case .blocksAllocated(let location, _, let blocks) = event.kind { balance[location, default: 0] += blocks.count }
                if case .blocksFreed(let location, _, let blocks) = event.kind { balance[location, default: 0] -= blocks.count }
            }
            for (location, count) in balance where location != .store { XCTAssertEqual(count, 0, "\(location)") }
            XCTAssertEqual(balance[.store] ?? 0, simulation.core.store?.cachedCount ?? 0)
        }
    }

    func testShutdownAbortsOpenRequests() throws {
        let clock = ManualClock()
        let engine = try Engine(config: makeConfig(.chunkedPrefill), clock: clock) { _ in FakeModelRunner(clock: nil) }
        let recorder = EventRecorder()
        engine.addSink(recorder)
        // Not started: the requests stay queued, so shutdown must end them.
        engine.submit(synthetic(10, maxTokens: 5))
        engine.submit(synthetic(10, maxTokens: 5))
        engine.shutdown()
        XCTAssertEqual(recorder.ends(), [0: "aborted", 1: "aborted"])
        XCTAssertEqual(engine.snapshot().ended, 2)
    }
}
