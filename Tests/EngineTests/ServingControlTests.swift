import Foundation
import Kernels
import Model
import XCTest
@testable import Engine

/// What a server needs from the engine: stop strings, `ignore_eos`, aborts that free KV even while
/// the request's step is being computed, and an id known before the request's first event.
final class ServingControlTests: XCTestCase {
    private func run(_ spec: RequestSpec, eosAfter: Int = .max) throws -> (EventRecorder, EngineSimulation) {
        let (simulation, recorder) = try makeSimulation(makeConfig(.disaggregated), eosAfter: eosAfter)
        simulation.submit(spec)
        try simulation.run()
        return (recorder, simulation)
    }

    private func pieces(_ recorder: EventRecorder) -> [String] {
        recorder.events.compactMap { if case .tokenEmitted(0, _, _, let text) = $0.kind { return text } else { return nil } }
    }

    func testStopStringSpanningTwoTokensEndsGenerationWithReasonStop() throws {
        let plain = pieces(try run(synthetic(20, maxTokens: 12)).0)
        XCTAssertEqual(plain.count, 12)
        // The end of token 4's text and the start of token 5's: found only across the boundary.
        let stop = String(plain[4].suffix(2)) + String(plain[5].prefix(2))
        XCTAssertFalse(plain[..<5].joined().contains(stop), "the stop string must not appear earlier: \(plain)")
        var spec = synthetic(20, maxTokens: 12)
        spec.stop = ["never-appears", stop]
        let (recorder, simulation) = try run(spec)
        XCTAssertEqual(pieces(recorder), Array(plain[...5]), "generation ends on the token that completes the stop string")
        XCTAssertEqual(recorder.ends(), [0: "stop"])
        assertAllBlocksReturned(simulation)
    }

    func testIgnoreEOSGeneratesPastTheEndOfSequence() throws {
        let (stopped, _) = try run(synthetic(20, maxTokens: 12), eosAfter: 23)
        XCTAssertEqual(stopped.ends(), [0: "stop"])
        XCTAssertLessThan(pieces(stopped).count, 12)
        var spec = synthetic(20, maxTokens: 12)
        spec.ignoreEOS = true
        let (ignored, _) = try run(spec, eosAfter: 23)
        XCTAssertEqual(ignored.ends(), [0: "length"])
        XCTAssertEqual(pieces(ignored).count, 12)
    }

    func testAbortDuringAStepFreesTheBlocksWhenTheStepEnds() throws {
        let gate = StepGate()
        var config = makeConfig(.chunkedPrefill)
        config.pinThreads = false
        let engine = try Engine(config: config) { _ in GatedRunner(gate: gate) }
        let recorder = EventRecorder()
        engine.addSink(recorder)
        engine.start()
        let id = engine.submit(synthetic(40, maxTokens: 1000))
        gate.waitUntilBlocked()                       // a step of the request is being computed now
        XCTAssertGreaterThan(engine.snapshot().instances.map(\.kvBlocksUsed).reduce(0, +), 0)
        engine.abort(id)
        XCTAssertEqual(engine.state(of: id)?.isTerminal, false, "its blocks are in use until the step ends")
        gate.releaseForever()
        engine.waitUntilIdle()
        XCTAssertEqual(engine.state(of: id), .finished(.aborted))
        XCTAssertEqual(engine.snapshot().instances.map(\.kvBlocksUsed).reduce(0, +), 0)
        engine.shutdown()
        XCTAssertEqual(recorder.ends(), [id: "aborted"])
    }

    func testRegisterSeesTheIdBeforeAnyEventOfTheRequest() throws {
        let engine = try Engine(config: makeConfig(.chunkedPrefill)) { _ in FakeModelRunner(clock: nil) }
        let recorder = EventRecorder()
        engine.addSink(recorder)
        var registered: RequestID?
        var eventsBefore = -1
        let id = engine.submit(synthetic(0, maxTokens: 4)) { id in
            registered = id
            eventsBefore = recorder.events.count
        }
        XCTAssertEqual(registered, id)
        XCTAssertEqual(eventsBefore, 0)
        XCTAssertEqual(recorder.ends(), [id: "rejected"], "an empty prompt is rejected inside submit")
        engine.shutdown()
    }
}

/// Blocks every model call until released, so a test can act while a step is in flight.
final class StepGate: Sendable {
    private struct State { var blocked = false, open = false }
    private let state = ConditionLocked(State())

    func pass() {
        state.withLock(broadcast: true) { $0.blocked = true }
        state.wait { $0.open }
    }

    func waitUntilBlocked() { state.wait { $0.blocked } }

    func releaseForever() { state.withLock(broadcast: true) { $0.open = true } }
}

/// The fake runner behind a gate.
final class GatedRunner: ModelRunner {
    private let inner = FakeModelRunner(clock: nil)
    private let gate: StepGate
    init(gate: StepGate) { self.gate = gate }
    var frontEnd: ModelFrontEnd { inner.frontEnd }
    func kvLayout(blockSize: Int, cacheType: KVCacheType) -> KVLayout { inner.kvLayout(blockSize: blockSize, cacheType: cacheType) }
    func prefill(tokens: [Int32], startPosition: Int, blockTable: [Int32], kv: KVArena) -> [Float] {
        gate.pass()
        return inner.prefill(tokens: tokens, startPosition: startPosition, blockTable: blockTable, kv: kv)
    }
    func decode(_ batch: [DecodeItem], kv: KVArena) -> [[Float]] {
        gate.pass()
        return inner.decode(batch, kv: kv)
    }
}
