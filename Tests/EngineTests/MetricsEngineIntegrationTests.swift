import TestSupport
import XCTest
@testable import Engine

/// The collector on the real engine's event stream (fake model runner, manual clock): its numbers
/// must agree with the engine's own bookkeeping and with the scheduling behaviour under test.
final class MetricsEngineIntegrationTests: XCTestCase {
    /// Request 0 decodes 30 tokens; a 400-token prompt (400 ms of prefill) arrives at 55 ms.
    private func runStorm(_ config: EngineConfig) throws -> (MetricsCollector, EngineSnapshot) {
        let (simulation, _) = try makeSimulation(config)
        let collector = MetricsCollector()
        simulation.addSink(collector)
        simulation.submit(synthetic(10, maxTokens: 30, user: "chat"))
        simulation.submit(synthetic(400, maxTokens: 5, at: 0.055, user: "long"))
        try simulation.run()
        return (collector, simulation.snapshot())
    }

    func testColocatedStallIsAttributedToTheLongPrefill() throws {
        let (collector, snapshot) = try runStorm(makeConfig(.colocatedFCFS, sameCores: true))
        let report = collector.report()
        XCTAssertEqual(report.completed, 2)
        XCTAssertEqual(report.requests.map(\.outputTokens), [30, 5])
        XCTAssertEqual(report.itl.count, 29 + 4)
        assertApprox(report.itl.p99, 0.410, accuracy: 0.011)
        for status in snapshot.instances {
            let measured = report.instances.first { $0.id == status.id }
            assertApprox(measured?.busySeconds ?? 0, status.busySeconds, accuracy: 1e-9)
        }

        let stalls = collector.stalls(minGap: 0.2)
        XCTAssertEqual(stalls.count, 1)
        let stall = try XCTUnwrap(stalls.first)
        XCTAssertEqual(stall.request, 0)
        XCTAssertEqual(stall.causes.map(\.request), [1])
        XCTAssertEqual(stall.causes.first?.tokens, 400)
        XCTAssertTrue(stall.description.hasSuffix("behind prefill of #1 (400 tokens)"), stall.description)
    }

    func testDisaggregatedTransfersAndSteadyDecodes() throws {
        let (collector, snapshot) = try runStorm(makeConfig(.disaggregated))
        let report = collector.report()
        XCTAssertEqual(report.completed, 2)
        let chat = try XCTUnwrap(report.requests.first)
        XCTAssertEqual(MetricsDistribution(chat.itls).max ?? 0, 0.010, accuracy: 1e-6)
        XCTAssertEqual(collector.stalls(minGap: 0.02), [])
        XCTAssertEqual(report.kvTransfers.count, snapshot.kvTransfers)
        XCTAssertEqual(report.kvTransfers.count, 2, "one p2p copy per request")
        XCTAssertGreaterThan(report.kvTransfers.bytes, 0)
        XCTAssertEqual(report.kvTransferTime.count, 2)
        XCTAssertEqual(report.kvCache.map(\.usedBlocks), report.kvCache.map { _ in 0 }, "every block back")
        XCTAssertEqual(report.instances.count, 2)

        // The decode pool's peak usage against its capacity (the summary's `kv_cache_peak_usage`).
        XCTAssertEqual(snapshot.instances.map(\.role), [.prefill, .decode])
        let pools = Dictionary(uniqueKeysWithValues: snapshot.instances.map { (KVLocation.instance($0.id), $0.kvBlocks) })
        let decodePool = KVLocation.instance(snapshot.instances[1].id)
        let cache = try XCTUnwrap(collector.report(poolBlocks: pools).kvCache.first { $0.location == decodePool })
        let peak = try XCTUnwrap(cache.peakUsage)
        XCTAssertGreaterThan(peak, 0)
        XCTAssertLessThanOrEqual(peak, 1)
    }
}
