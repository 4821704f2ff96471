import Model
import XCTest
@testable import Engine

/// The connector alone, driven through its scheduler-side API (no scheduler, no model).
final class KVConnectorUnitTests: XCTestCase {
    private let layout = KVLayout(layerCount: 1, kvDim: 2, blockSize: 16)
    private let recorder = EventRecorder()

    private func makeConnector(decodeBlocks: Int = 4) -> (KVConnector, prefill: Instance, decode: Instance) {
        let runner = FakeModelRunner(clock: nil)
        let prefill = Instance(id: 0, role: .prefill, cores: [], blockCount: 8, layout: layout, runner: runner)
        let decode = Instance(id: 1, role: .decode, cores: [], blockCount: decodeBlocks, layout: layout, runner: runner)
        let events = EventStream(clock: ManualClock())
        events.add(recorder)
        let connector = KVConnector(instances: [prefill, decode], layout: layout, storeBlocks: nil, events: events,
                                    config: makeConfig(.disaggregated))
        return (connector, prefill, decode)
    }

    /// A 40-token prompt prefilled on instance 0: its KV fills 3 blocks there.
    private func prefilled(on prefill: Instance) -> Request {
        let request = Request(id: 7, spec: synthetic(40, maxTokens: 2), prompt: Array(repeating: 5, count: 40),
                              sampler: ArgmaxSampler(), arrivalTime: 0)
        request.home = prefill.id
        request.blockTable = prefill.pool.allocate(3, for: request.id)!
        request.computed = 40
        return request
    }

    func testPFirstHandOffFromReservationToArrival() {
        let (connector, prefill, decode) = makeConnector()
        let request = prefilled(on: prefill)
        XCTAssertFalse(connector.prefillDone(request, now: 0), "not expected anywhere yet: it needs a decode instance")
        connector.expect(request, on: decode.id, remotePrefill: true, prefillDone: true, now: 0)
        XCTAssertEqual(connector.incomingCount(on: decode.id), 1)
        XCTAssertTrue(connector.planPushes(from: prefill, now: 0).isEmpty, "nothing goes out before a reservation")

        XCTAssertTrue(connector.reserve(request, now: 0))
        XCTAssertEqual(decode.pool.usedCount, 3)
        XCTAssertEqual(connector.heldSlots(on: decode.id), 1)
        let pushes = connector.planPushes(from: prefill, now: 0)
        XCTAssertEqual(pushes.map(\.copies.count), [1])
        XCTAssertEqual(pushes.first?.copies.first?.sourceBlocks, request.blockTable)
        XCTAssertTrue(connector.planPushes(from: prefill, now: 0).isEmpty, "planned once")

        let timings = [CopyTiming(start: 1, end: 2, bytes: 768)]
        connector.started(pushes[0].copies, timings)
        prefill.pool.free(request.blockTable, from: request.id)
        connector.completePush(pushes[0], timings, request: request, now: 2)
        XCTAssertEqual(request.home, decode.id)
        XCTAssertEqual(connector.heldSlots(on: decode.id), 1, "arrived, not yet in the batch")
        XCTAssertTrue(connector.takeArrivals(on: decode.id, now: 1.5).isEmpty, "the copy ended at 2")
        XCTAssertEqual(connector.takeArrivals(on: decode.id, now: 2).map(\.id), [7])
        XCTAssertFalse(connector.hasWork(on: decode.id))
        XCTAssertNil(connector.handoff(of: 7))
        XCTAssertEqual(connector.transferCount, 1)
        let ends = recorder.transferEnds
        guard case .kvTransferEnded(0, 7, .instance(0), .instance(1), 3, 768, .p2p) = ends.first, ends.count == 1 else {
            return XCTFail("\(ends)")
        }
    }

    func testFullDecodePoolReservesNothingAndCancelReturnsTheReservation() {
        let (connector, prefill, decode) = makeConnector(decodeBlocks: 2)
        let request = prefilled(on: prefill)
        connector.expect(request, on: decode.id, remotePrefill: true, prefillDone: false, now: 0)
        XCTAssertFalse(connector.reserve(request, now: 0), "3 blocks do not fit in 2")
        XCTAssertEqual(decode.pool.usedCount, 0)
        XCTAssertEqual(connector.awaitingReservation(on: decode.id, readyBy: 0).map(\.id), [7])

        let (bigger, prefill2, decode2) = makeConnector()
        let other = prefilled(on: prefill2)
        bigger.expect(other, on: decode2.id, remotePrefill: true, prefillDone: false, now: 0)
        XCTAssertTrue(bigger.reserve(other, now: 0))
        XCTAssertTrue(bigger.prefillDone(other, now: 0), "expected: it goes out once reserved")
        XCTAssertTrue(bigger.hasPushes(on: prefill2.id))
        let reservation = bigger.cancel(other, now: 0)
        XCTAssertEqual(reservation?.decode, decode2.id)
        XCTAssertEqual(reservation?.blocks.count, 3)
        XCTAssertFalse(bigger.hasWork(on: prefill2.id) || bigger.hasWork(on: decode2.id))
        XCTAssertEqual(bigger.heldSlots(on: decode2.id), 0)
    }
}
