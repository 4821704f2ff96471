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

/// The router alone: a pure function of the request and the instances' numbers.
final class RouterDecisionTests: XCTestCase {
    private func router(_ policy: SchedulingPolicy, route: RoutePolicy = .pFirst) -> Router {
        Router(config: makeConfig(policy, route: route))
    }

    private let disaggregated = [
        InstanceLoad(id: 0, role: .prefill, waiting: 3, queuedPrefillTokens: 900, running: 1),
        InstanceLoad(id: 1, role: .prefill, waiting: 1, queuedPrefillTokens: 100, running: 1),
        InstanceLoad(id: 2, role: .decode, waiting: 0, queuedPrefillTokens: 0, running: 4, incoming: 2, occupancy: 5),
        InstanceLoad(id: 3, role: .decode, waiting: 0, queuedPrefillTokens: 0, running: 1, incoming: 0, occupancy: 1),
    ]

    func testColocatedPicksLeastLoadedAndLowestIdOnTies() {
        let loads = [InstanceLoad(id: 0, role: .both, waiting: 2, queuedPrefillTokens: 50, running: 2),
                     InstanceLoad(id: 1, role: .both, waiting: 0, queuedPrefillTokens: 10, running: 2),
                     InstanceLoad(id: 2, role: .both, waiting: 0, queuedPrefillTokens: 10, running: 2)]
        let decisions = router(.chunkedPrefill).route(RouteRequest(hop: .arrival, promptTokens: 7), loads: loads)
        XCTAssertEqual(decisions.map(\.instance), [1])
        XCTAssertEqual(decisions[0].role, .both)
        XCTAssertEqual(decisions[0].reason, "least loaded of #0 2 queued/50 prefill tokens/2 running, #1 0 queued/10 prefill tokens/2 running, #2 0 queued/10 prefill tokens/2 running")
        let single = router(.colocatedFCFS).route(RouteRequest(hop: .arrival, promptTokens: 7), loads: [loads[0]])
        XCTAssertEqual(single, [RouteDecision(instance: 0, role: .both, reason: "single colocated instance")])
    }

    func testPFirstGoesToFewestQueuedPrefillTokensThenLeastBusyDecode() {
        let router = router(.disaggregated)
        let arrival = router.route(RouteRequest(hop: .arrival, promptTokens: 30), loads: disaggregated)
        XCTAssertEqual(arrival.map(\.instance), [1])
        XCTAssertEqual(arrival[0].reason, "p-first: prefill #1 has the fewest queued prefill tokens (#0 3 queued/900 tokens, #1 1 queued/100 tokens)")
        let done = router.route(RouteRequest(hop: .prefillDone, promptTokens: 30), loads: disaggregated)
        XCTAssertEqual(done.map(\.instance), [3])
        XCTAssertEqual(done[0].reason, "prefill done: decode #3 least busy (#2 4 running/2 incoming, #3 1 running/0 incoming; max running \(makeConfig(.disaggregated).maxRunning))")
    }

    func testDFirstAndSimultaneousHops() {
        let dFirst = router(.disaggregated, route: .dFirst).route(RouteRequest(hop: .arrival, promptTokens: 30), loads: disaggregated)
        XCTAssertEqual(dFirst.map(\.role), [.decode])
        XCTAssertTrue(dFirst[0].reason.hasPrefix("d-first: decode #3 least busy"), dFirst[0].reason)
        XCTAssertTrue(dFirst[0].reason.hasSuffix("; prompt 30 tokens"), dFirst[0].reason)
        let remote = router(.disaggregated, route: .dFirst).route(RouteRequest(hop: .remotePrefill(why: "d-first"), promptTokens: 30),
                                                                 loads: disaggregated)
        XCTAssertEqual(remote.map(\.instance), [1])
        let both = router(.disaggregated, route: .simultaneous).route(RouteRequest(hop: .arrival, promptTokens: 30), loads: disaggregated)
        XCTAssertEqual(both.map(\.instance), [1, 3])
        XCTAssertTrue(both[1].reason.hasSuffix("; pre-allocating while prefill runs"), both[1].reason)
    }
}
