import XCTest
@testable import Engine

/// Transfers between pools: copies counted, bytes honest, store hits, emulated link.
final class KVConnectorTests: XCTestCase {
    private func runOne(_ mode: KVTransferMode, linkGbps: Double? = nil) throws -> (EventRecorder, EngineSimulation) {
        var config = makeConfig(.disaggregated, transfer: mode)
        config.kvLinkGbps = linkGbps
        let (simulation, recorder) = try makeSimulation(config)
        simulation.submit(synthetic(40, maxTokens: 5))
        try simulation.run()
        assertAllBlocksReturned(simulation)
        return (recorder, simulation)
    }

    func testP2POneCopyPoolTwoCopies() throws {
        let (p2p, p2pSimulation) = try runOne(.p2p)
        let (pool, poolSimulation) = try runOne(.pool)
        XCTAssertEqual(p2p.transferEnds.count, 1)
        XCTAssertEqual(pool.transferEnds.count, 2)
        XCTAssertEqual(p2pSimulation.snapshot().kvTransfers, 1)
        XCTAssertEqual(poolSimulation.snapshot().kvTransfers, 2)
        // 40 tokens = 3 blocks of 16 slots × 1 layer × K,V × 2 floats × 4 bytes.
        guard case .kvTransferEnded(_, _, .instance(0), .instance(1), 3, 3 * 16 * 2 * 2 * 4, .p2p) = p2p.transferEnds[0] else {
            return XCTFail("\(p2p.transferEnds)")
        }
        guard case .kvTransferEnded(_, _, .instance(0), .store, 3, _, .pool) = pool.transferEnds[0],
              case .kvTransferEnded(_, _, .store, .instance(1), 3, _, .pool) = pool.transferEnds[1] else {
            return XCTFail("\(pool.transferEnds)")
        }
        XCTAssertEqual(p2p.text(0), pool.text(0))
    }

    func testEmulatedLinkDelaysTransferAndFirstDecode() throws {
        // 3 blocks × 256 bytes at 1e-6 Gbit/s = 6.144 s.
        let (recorder, _) = try runOne(.p2p, linkGbps: 1e-6)
        var start: Double?
        var end: Double?
        for event in recorder.events {
            if case .kvTransferStarted = event.kind { start = event.time }
            if case .kvTransferEnded = event.kind { end = event.time }
        }
        XCTAssertEqual(end! - start!, 768 * 8 / 1e3, accuracy: 1e-9)
        let times = recorder.tokenTimes(0)
        XCTAssertGreaterThanOrEqual(times[1], end!)
    }

    /// Its first token reaches the client when the decode instance takes the request, after the
    /// KV transfer (as behind SGLang's decode server or vLLM's PD proxy): the transfer is in TTFT,
    /// and the first gap is one decode step.
    func testFirstTokenOfADisaggregatedPromptArrivesWithItsKV() throws {
        var config = makeConfig(.disaggregated)
        config.kvLinkGbps = 1e-6  // 6.144 s for the 3 blocks
        let (simulation, recorder) = try makeSimulation(config)
        let collector = MetricsCollector()
        simulation.addSink(collector)
        simulation.submit(synthetic(40, maxTokens: 5))
        try simulation.run()
        let transferEnd = try XCTUnwrap(recorder.events.last { if case .kvTransferEnded = $0.kind { true } else { false } }?.time)
        let times = recorder.tokenTimes(0)
        XCTAssertEqual(times.count, 5)
        XCTAssertGreaterThanOrEqual(times[0], transferEnd)
        XCTAssertGreaterThan(transferEnd, 6)
        XCTAssertEqual(recorder.gaps(0).max() ?? 0, 0.010, accuracy: 1e-9, "every gap is one decode step")
        let metrics = try XCTUnwrap(collector.request(0))
        XCTAssertEqual(metrics.tokenInstances, [1, 1, 1, 1, 1], "every token comes from the decode instance")
        XCTAssertGreaterThan(collector.report().ttft.max ?? 0, 6)
        assertAllBlocksReturned(simulation)
    }

    func testAFirstTokenThatEndsThePromptIsAnsweredWithoutATransfer() throws {
        let (simulation, recorder) = try makeSimulation(makeConfig(.disaggregated))
        simulation.submit(synthetic(40, maxTokens: 1))
        try simulation.run()
        XCTAssertEqual(recorder.tokenTimes(0).count, 1)
        XCTAssertEqual(recorder.ends(), [0: "length"])
        XCTAssertEqual(recorder.transferEnds.count, 0)
        XCTAssertEqual(simulation.snapshot().kvTransfers, 0)
        assertAllBlocksReturned(simulation)
    }

    /// A stop string needs the token's text, so a first token holding one ends the request when it
    /// is delivered on the decode instance (its blocks there go back).
    func testAStopStringInTheFirstTokenEndsItOnDelivery() throws {
        let (plain, plainRecorder) = try makeSimulation(makeConfig(.disaggregated))
        plain.submit(synthetic(40, maxTokens: 5))
        try plain.run()
        let firstPiece = try XCTUnwrap(plainRecorder.events.lazy.compactMap { event -> String? in
            if case .tokenEmitted(0, 0, _, let text) = event.kind { return text } else { return nil }
        }.first)

        let (simulation, recorder) = try makeSimulation(makeConfig(.disaggregated))
        var spec = synthetic(40, maxTokens: 5)
        spec.stop = [firstPiece]
        simulation.submit(spec)
        try simulation.run()
        XCTAssertEqual(recorder.text(0), firstPiece)
        XCTAssertEqual(recorder.ends(), [0: "stop"])
        XCTAssertEqual(recorder.transferEnds.count, 1)
        assertAllBlocksReturned(simulation)
    }

    func testRepeatedPromptHitsTheStore() throws {
        var config = makeConfig(.disaggregated, transfer: .pool)
        config.kvStoreBlocks = 64
        let (simulation, recorder) = try makeSimulation(config)
        let prompt = RequestSpec(user: "a", prompt: .text(String(repeating: "once upon a time ", count: 4)), maxTokens: 6)
        simulation.submit(prompt)
        var again = prompt
        again.arrivalOffset = 5
        simulation.submit(again)
        try simulation.run()
        let hits = recorder.events.compactMap { event -> (RequestID, Int, Int)? in
            if case .prefixCacheHit(let id, let blocks, let tokens) = event.kind { return (id, blocks, tokens) } else { return nil }
        }
        // 69 prompt tokens: 4 full blocks, and the last token is always recomputed.
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual(hits.first?.0, 1)
        XCTAssertEqual(hits.first?.1, 4)
        XCTAssertEqual(hits.first?.2, 64)
        XCTAssertEqual(simulation.snapshot().storeHitBlocks, 4)
        let prefilled = recorder.events.compactMap { event -> Int? in
            if case .prefillChunkEnded(_, let chunk) = event.kind, chunk.request == 1 { return chunk.tokens } else { return nil }
        }
        XCTAssertEqual(prefilled.reduce(0, +), 69 - 64)
        XCTAssertEqual(recorder.text(0), recorder.text(1))
        assertAllBlocksReturned(simulation)
    }

    func testStoreEvictsLeastRecentlyUsed() {
        let store = KVStore(capacity: 4)
        let first = store.allocate(2, for: 1)!.blocks
        store.publish(first[0], hash: 10)
        store.publish(first[1], hash: 11)
        XCTAssertEqual(store.unpin(first).count, 0, "hashed blocks stay cached")
        let second = store.allocate(2, for: 2)!.blocks
        store.publish(second[0], hash: 20)
        _ = store.unpin(second)
        store.pin([first[0], first[1]]); _ = store.unpin([first[0], first[1]])  // touch: request 1's blocks are now newer
        let third = store.allocate(2, for: 3)!
        XCTAssertEqual(Set(third.evicted.map(\.owner)), [2])
        XCTAssertEqual(store.lookup([10, 11]), first)
        XCTAssertEqual(store.lookup([20]), [])
        XCTAssertNil(store.allocate(3, for: 4), "pinned blocks are never evicted")
    }
}
