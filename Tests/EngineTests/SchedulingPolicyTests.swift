import XCTest
@testable import Engine

/// The seed's headline, exactly: what a long prompt arriving mid-decode does to a running decode.
final class SchedulingPolicyTests: XCTestCase {
    /// Request 0 decodes; a 400-token prompt arrives at 55 ms (prefill cost 400 ms).
    private func runStorm(_ config: EngineConfig) throws -> (gaps: [Double], recorder: EventRecorder) {
        let (simulation, recorder) = try makeSimulation(config)
        simulation.submit(synthetic(10, maxTokens: 30))
        simulation.submit(synthetic(400, maxTokens: 5, at: 0.055))
        try simulation.run()
        assertAllBlocksReturned(simulation)
        XCTAssertEqual(recorder.ends(), [0: "length", 1: "length"])
        return (recorder.gaps(0), recorder)
    }

    func testColocatedFCFSLongPrefillDelaysNextTokenByWholePrefill() throws {
        let (gaps, _) = try runStorm(makeConfig(.colocatedFCFS, sameCores: true))
        XCTAssertEqual(gaps.count, 29)
        // The stalled gap holds the whole 400 ms prefill plus the decode step itself.
        XCTAssertEqual(gaps.max()!, 0.400 + 0.010, accuracy: 0.011)
        XCTAssertEqual(gaps.min()!, 0.010, accuracy: 1e-9)
    }

    func testChunkedPrefillBoundsDelayByBudget() throws {
        var config = makeConfig(.chunkedPrefill, sameCores: true)
        config.maxBatchedTokens = 64
        let (gaps, recorder) = try runStorm(config)
        // One step: the decode (10 ms) plus at most 63 prefill tokens (63 ms).
        XCTAssertLessThanOrEqual(gaps.max()!, 0.010 + 0.063 + 1e-9)
        XCTAssertGreaterThan(gaps.max()!, 0.010)
        let chunks = recorder.events.compactMap { event -> PrefillChunk? in
            if case .prefillChunkEnded(_, let chunk) = event.kind, chunk.request == 1 { return chunk } else { return nil }
        }
        XCTAssertGreaterThanOrEqual(chunks.count, 7)
        XCTAssertEqual(chunks.map(\.tokens).reduce(0, +), 400)
        XCTAssertEqual(chunks.last!.chunkIndex, chunks.count)
        XCTAssertEqual(chunks.last!.chunkCount, chunks.count)
    }

    func testDisaggregatedDecodeITLUnchanged() throws {
        let (gaps, recorder) = try runStorm(makeConfig(.disaggregated))
        for gap in gaps { XCTAssertEqual(gap, 0.010, accuracy: 1e-9) }
        // Request 1's prefill ran on the prefill instance (0), its decodes on the decode instance (1).
        let routedRoles = recorder.events.compactMap { event -> InstanceRole? in
            if case .routed(1, _, let role, _) = event.kind { return role } else { return nil }
        }
        XCTAssertEqual(routedRoles, [.prefill, .decode])
    }

    func testColocatedDefaultIsOneInstanceOnEveryCore() throws {
        let (simulation, recorder) = try makeSimulation(makeConfig(.chunkedPrefill))
        simulation.submit(synthetic(20, maxTokens: 3))
        simulation.submit(synthetic(20, maxTokens: 3))
        try simulation.run()
        let instances = recorder.events.compactMap { event -> InstanceID? in
            if case .routed(_, let instance, .both, _) = event.kind { return instance } else { return nil }
        }
        XCTAssertEqual(instances, [0, 0])
    }

    func testTwoColocatedInstancesShareTheLoad() throws {
        var config = makeConfig(.chunkedPrefill)
        config.colocatedInstances = 2
        let (simulation, recorder) = try makeSimulation(config)
        simulation.submit(synthetic(20, maxTokens: 3))
        simulation.submit(synthetic(20, maxTokens: 3))
        try simulation.run()
        let instances = recorder.events.compactMap { event -> InstanceID? in
            if case .routed(_, let instance, .both, _) = event.kind { return instance } else { return nil }
        }
        XCTAssertEqual(instances, [0, 1])
        XCTAssertTrue(recorder.routedReasons(1)[0].contains("least loaded"), recorder.routedReasons(1)[0])
    }

    func testGreedyTextIdenticalAcrossArrangements() throws {
        var texts: [String] = []
        for (policy, route, mode) in allArrangements {
            let (simulation, recorder) = try makeSimulation(makeConfig(policy, route: route, transfer: mode))
            for index in 0..<6 { simulation.submit(synthetic(20 + 37 * index, maxTokens: 12, at: 0.003 * Double(index))) }
            try simulation.run()
            assertAllBlocksReturned(simulation)
            texts.append((0..<6).map { recorder.text($0) }.joined(separator: "|"))
            XCTAssertEqual(texts.last, texts.first, "\(policy) \(route) \(mode)")
        }
        XCTAssertFalse(texts[0].isEmpty)
    }

    func testEOSFinishesWithStop() throws {
        let (simulation, recorder) = try makeSimulation(makeConfig(.disaggregated), eosAfter: 15)
        simulation.submit(synthetic(10, maxTokens: 50))
        try simulation.run()
        XCTAssertEqual(recorder.ends(), [0: "stop"])
        // Prefill sees 10 tokens; decodes at positions 10...15, the last one crosses the EOS threshold.
        XCTAssertEqual(recorder.tokenTimes(0).count, 7)
    }
}

extension SchedulingPolicyTests {
    /// A short prompt finishing its prefill while a long prompt is being chunked on the same
    /// prefill instance: its KV leaves in a copy-only step, so its second token does not wait
    /// for the next long chunk (256 ms here).
    func testDisaggregatedHandoffDoesNotWaitBehindTheNextLongChunk() throws {
        let (simulation, recorder) = try makeSimulation(makeConfig(.disaggregated), contextLength: 2048)
        // Prefill steps (budget 256): A 256 | A 256 | A 256 | A 232 + B 10 | C 256 | ...
        simulation.submit(synthetic(1000, maxTokens: 3))
        simulation.submit(synthetic(10, maxTokens: 5, at: 0.001))
        simulation.submit(synthetic(1000, maxTokens: 3, at: 0.002))
        try simulation.run()
        assertAllBlocksReturned(simulation)
        let gaps = recorder.gaps(1)
        XCTAssertEqual(gaps.count, 4)
        // First token → second: one decode step (10 ms), not a 256-token chunk (256 ms).
        XCTAssertLessThan(gaps[0], 0.050, "gaps \(gaps)")
    }
}
