import XCTest
@testable import Engine

/// Every routing decision is an event with its reason.
final class RouterTests: XCTestCase {
    func testPFirstReasons() throws {
        let (simulation, recorder) = try makeSimulation(makeConfig(.disaggregated))
        simulation.submit(synthetic(20, maxTokens: 3))
        try simulation.run()
        let reasons = recorder.routedReasons(0)
        XCTAssertEqual(reasons.count, 2)
        XCTAssertTrue(reasons[0].hasPrefix("p-first: prefill #0 has the fewest queued prefill tokens"), reasons[0])
        XCTAssertTrue(reasons[1].hasPrefix("prefill done: decode #1 least busy"), reasons[1])
    }

    func testDFirstLocalPrefillThreshold() throws {
        var config = makeConfig(.disaggregated, route: .dFirst)
        config.localPrefillMax = 32
        let (simulation, recorder) = try makeSimulation(config)
        simulation.submit(synthetic(20, maxTokens: 3))
        simulation.submit(synthetic(100, maxTokens: 3, at: 1))
        try simulation.run()
        let short = recorder.routedReasons(0)
        XCTAssertTrue(short[0].hasPrefix("d-first: decode #1"), short[0])
        XCTAssertEqual(short[1], "local prefill: 20 uncached tokens ≤ --local-prefill-max 32")
        XCTAssertEqual(short.count, 2)
        let long = recorder.routedReasons(1)
        XCTAssertEqual(long.count, 2)
        XCTAssertTrue(long[1].hasPrefix("d-first remote prefill: 100 uncached tokens > --local-prefill-max 32"), long[1])
        // The remote one waited for its KV with blocks reserved; the local one never did.
        let waits = recorder.events.compactMap { event -> RequestID? in
            if case .waitingForRemoteKV(let id, _) = event.kind { return id } else { return nil }
        }
        XCTAssertEqual(waits, [1])
        XCTAssertEqual(recorder.transferEnds.count, 1)
        assertAllBlocksReturned(simulation)
    }

    func testSimultaneousRoutesToBothAtOnce() throws {
        let (simulation, recorder) = try makeSimulation(makeConfig(.disaggregated, route: .simultaneous))
        simulation.submit(synthetic(200, maxTokens: 3))
        try simulation.run()
        let routed = recorder.events.compactMap { event -> (Double, InstanceRole)? in
            if case .routed(0, _, let role, _) = event.kind { return (event.time, role) } else { return nil }
        }
        XCTAssertEqual(routed.map(\.1), [.prefill, .decode])
        XCTAssertEqual(routed.map(\.0), [0, 0])
        // The decode side reserved its blocks before the prefill (200 ms) ended.
        let reserveTime = recorder.events.first { event in
            if case .blocksAllocated(.instance(1), 0, _) = event.kind { return true } else { return false }
        }!.time
        XCTAssertLessThan(reserveTime, 0.2)
        assertAllBlocksReturned(simulation)
    }
}
