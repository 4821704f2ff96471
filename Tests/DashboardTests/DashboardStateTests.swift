import Engine
import Foundation
import XCTest
@testable import Dashboard

/// Scripts event sequences by hand and checks what the dashboard makes of them.
final class DashboardStateTests: XCTestCase {
    private func makeState(transfer: KVTransferMode? = nil) -> DashboardState {
        var instances = [InstanceDescription(id: 0, role: transfer == nil ? .both : .prefill, cores: [0])]
        var pools: [KVLocation: Int] = [.instance(0): 8]
        if transfer != nil { instances.append(InstanceDescription(id: 1, role: .decode, cores: [1])); pools[.instance(1)] = 8 }
        if transfer == .pool { pools[.store] = 16 }
        return DashboardState(config: DashboardConfig(modelName: "stories260K", policy: "colocated-fcfs", transferMode: transfer,
                                                      instances: instances, poolBlocks: pools, slo: GoodputSLO(ttft: 0.5, tpot: 0.05)))
    }

    private func arrive(_ id: RequestID, _ user: String, tokens: Int, at t: Double) -> [EngineEvent] {
        let spec = RequestSpec(user: user, prompt: .synthetic(count: tokens, prefixKeys: [], segmentTokens: 16), maxTokens: 16)
        return [EngineEvent(time: t, kind: .arrived(request: id, spec: spec, promptTokens: tokens)),
                EngineEvent(time: t, kind: .queued(request: id, instance: 0))]
    }

    private func step(_ n: Int, at t: Double, end: Double, decodes: [RequestID] = [], prefills: [PrefillChunk] = []) -> [EngineEvent] {
        var events = [EngineEvent(time: t, kind: .stepStarted(instance: 0, step: n, decodes: decodes, prefills: prefills))]
        events += prefills.map { EngineEvent(time: t, kind: .prefillChunkStarted(instance: 0, chunk: $0)) }
        events += prefills.map { EngineEvent(time: end, kind: .prefillChunkEnded(instance: 0, chunk: $0)) }
        events.append(EngineEvent(time: end, kind: .stepEnded(instance: 0, step: n, duration: end - t)))
        return events
    }

    private func token(_ id: RequestID, _ index: Int, at t: Double, _ text: String = "a") -> EngineEvent {
        EngineEvent(time: t, kind: .tokenEmitted(request: id, index: index, token: 1, text: text))
    }

    /// Request #7 decodes every 10 ms until #12's 2,010-token prompt is prefilled in two chunks on
    /// the same instance (prefill first, as colocated FCFS does): #7's next token is 1.8 s late.
    private func stallScript() -> [EngineEvent] {
        var e = arrive(7, "alice", tokens: 20, at: 0)
        e += step(1, at: 0.0, end: 0.04, prefills: [PrefillChunk(request: 7, startPosition: 0, tokens: 20, chunkIndex: 1, chunkCount: 1)])
        e.append(token(7, 0, at: 0.05, "Once"))
        for i in 1...4 {
            let t = 0.05 + Double(i) * 0.01
            e += step(1 + i, at: t - 0.01, end: t, decodes: [7])
            e.append(token(7, i, at: t, " w"))
        }
        e += arrive(12, "bob", tokens: 2010, at: 0.095)
        e += step(6, at: 0.09, end: 0.95, prefills: [PrefillChunk(request: 12, startPosition: 0, tokens: 1005, chunkIndex: 1, chunkCount: 2)])
        e += step(7, at: 0.95, end: 1.8, prefills: [PrefillChunk(request: 12, startPosition: 1005, tokens: 1005, chunkIndex: 2, chunkCount: 2)])
        e.append(token(12, 0, at: 1.8, "Hi"))
        e += step(8, at: 1.8, end: 1.89, decodes: [7, 12])
        e.append(token(7, 5, at: 1.89, " end"))
        e.append(token(12, 1, at: 1.89, "!"))
        return e
    }

    func testTTFTAndITLAndTPOT() {
        var state = makeState()
        stallScript().forEach { state.apply($0) }
        let alice = state.userRows[0]
        XCTAssertEqual(alice.user, "alice")
        XCTAssertEqual(alice.ttft!, 0.05, accuracy: 1e-9)
        XCTAssertEqual(alice.generatedTokens, 6)
        XCTAssertEqual(alice.gaps.count, 5)
        XCTAssertEqual(alice.lastITL!, 1.8, accuracy: 1e-9)
        XCTAssertEqual(alice.tpot!, (1.89 - 0.05) / 5, accuracy: 1e-9)
        XCTAssertEqual(alice.text, "Once w w w w end")
        XCTAssertEqual(alice.stage, .decoding)
        let bob = state.userRows[1]
        XCTAssertEqual(bob.ttft!, 1.8 - 0.095, accuracy: 1e-9)
        XCTAssertEqual(bob.prefilledTokens, 2010)
    }

    func testStallIsAttributedToThePrefillThatRanInTheGap() {
        var state = makeState()
        stallScript().forEach { state.apply($0) }
        XCTAssertEqual(state.stalls.count, 1, "only #7 has enough history to call a gap a stall")
        let stall = state.stalls[0]
        XCTAssertEqual(stall.request, 7)
        XCTAssertEqual(stall.causes, [StallRecord.Cause(request: 12, tokens: 2010)], "both chunks counted once each")
        XCTAssertEqual(stall.summary, "#7 waited 1.80 s behind prefill of #12 (2,010 tokens)")
    }

    /// As the engine emits them, a step's tokens come before its end; the stall at the late token
    /// still says how much of the gap its instance's thread was off the CPU once the step ended.
    func testStallSaysWhenItsThreadWasOffTheCPU() {
        var state = makeState()
        var e = arrive(7, "alice", tokens: 20, at: 0)
        var t = 0.0
        for i in 0...5 {
            let end = t + (i == 5 ? 0.2 : 0.01)
            let prefills = i == 0 ? [PrefillChunk(request: 7, startPosition: 0, tokens: 20, chunkIndex: 1, chunkCount: 1)] : []
            e.append(EngineEvent(time: t, kind: .stepStarted(instance: 1, step: i, decodes: i == 0 ? [] : [7], prefills: prefills)))
            // As the engine emits them: the tokens first, stamped when they are applied (after the
            // step), then the step's end, stamped with its measured end.
            e.append(token(7, i, at: end + 0.0003, " w"))
            e.append(EngineEvent(time: end, kind: .stepEnded(instance: 1, step: i, duration: end - t, offCPU: i == 5 ? 0.15 : 0)))
            t = end
        }
        e.forEach { state.apply($0) }
        XCTAssertEqual(state.stalls.count, 1)
        XCTAssertEqual(state.stalls.first?.summary,
                       "#7 waited 200.0 ms (no prefill ran on its instance; its thread was off the CPU for 150.0 ms of it)")
    }

    func testRegularGapsAreNotStalls() {
        var state = makeState()
        stallScript().prefix { if case .arrived(12, _, _) = $0.kind { return false }; return true }.forEach { state.apply($0) }
        XCTAssertTrue(state.stalls.isEmpty)
    }

    func testQueuesByStageWithOldestAgeAndTokens() {
        var state = makeState()
        (arrive(1, "a", tokens: 100, at: 1.0) + arrive(2, "b", tokens: 50, at: 2.0)).forEach { state.apply($0) }
        state.apply(EngineEvent(time: 2.5, kind: .prefillChunkStarted(instance: 0, chunk:
            PrefillChunk(request: 2, startPosition: 0, tokens: 20, chunkIndex: 1, chunkCount: 3))))
        state.apply(EngineEvent(time: 2.6, kind: .prefillChunkEnded(instance: 0, chunk:
            PrefillChunk(request: 2, startPosition: 0, tokens: 20, chunkIndex: 1, chunkCount: 3))))
        state.advance(to: 4.0)
        let queues = Dictionary(uniqueKeysWithValues: state.queues.map { ($0.stage, $0) })
        XCTAssertEqual(queues[.waiting]?.count, 1)
        XCTAssertEqual(queues[.waiting]?.oldestAge, 3.0)
        XCTAssertEqual(queues[.waiting]?.tokens, 100)
        XCTAssertEqual(queues[.prefilling]?.count, 1)
        XCTAssertEqual(queues[.prefilling]?.oldestAge, 1.5)
        XCTAssertEqual(queues[.prefilling]?.tokens, 30, "prompt tokens still to prefill")
        XCTAssertEqual(queues[.decoding]?.count, 0)
        XCTAssertEqual(state.runningCount, 1)
        XCTAssertEqual(state.waitingCount, 1)
    }

    func testInstanceActivityFollowsSteps() {
        var state = makeState()
        arrive(12, "bob", tokens: 80, at: 0).forEach { state.apply($0) }
        let chunk = PrefillChunk(request: 12, startPosition: 20, tokens: 10, chunkIndex: 3, chunkCount: 8)
        state.apply(EngineEvent(time: 1, kind: .stepStarted(instance: 0, step: 3, decodes: [1, 2, 3, 4, 5], prefills: [chunk])))
        XCTAssertEqual(state.instances[0]?.activityText, "prefill of #12 chunk 3/8 + decode step, batch 5")
        state.apply(EngineEvent(time: 1.5, kind: .stepEnded(instance: 0, step: 3, duration: 0.5)))
        XCTAssertEqual(state.instances[0]?.activityText, "idle")
        XCTAssertEqual(state.instances[0]?.lastStepDuration, 0.5)
        XCTAssertEqual(state.instances[0]?.busyPercent(now: 2.0), 25, "0.5 s busy in a 2 s window")
    }

    func testBlockMapsFollowAllocationsAndFrees() {
        var state = makeState(transfer: .pool)
        state.apply(EngineEvent(time: 0, kind: .blocksAllocated(location: .instance(0), request: 3, blocks: [0, 1, 5])))
        state.apply(EngineEvent(time: 0, kind: .blocksAllocated(location: .store, request: 3, blocks: [2])))
        state.apply(EngineEvent(time: 1, kind: .blocksFreed(location: .instance(0), request: 3, blocks: [1])))
        state.apply(EngineEvent(time: 1, kind: .blocksFreed(location: .instance(0), request: 99, blocks: [5])))
        XCTAssertEqual(state.blockOwners[.instance(0)], [3, nil, nil, nil, nil, 3, nil, nil])
        XCTAssertEqual(state.blockUsage(at: .instance(0)).used, 2)
        XCTAssertEqual(state.blockUsage(at: .store).used, 1)
        XCTAssertEqual(state.blockUsage(at: .store).total, 16)
    }

    func testTransferIsTimedAndShownAsSending() {
        var state = makeState(transfer: .p2p)
        arrive(9, "carol", tokens: 32, at: 0).forEach { state.apply($0) }
        state.apply(EngineEvent(time: 2.0, kind: .kvTransferStarted(transfer: 1, request: 9, from: .instance(0), to: .instance(1),
                                                                     blocks: 4, bytes: 2_000_000, mode: .p2p)))
        XCTAssertEqual(state.instances[0]?.activityText, "sending KV of #9")
        XCTAssertEqual(state.requests[9]?.stage, .transferring)
        state.apply(EngineEvent(time: 2.001, kind: .kvTransferEnded(transfer: 1, request: 9, from: .instance(0), to: .instance(1),
                                                                     blocks: 4, bytes: 2_000_000, mode: .p2p)))
        XCTAssertEqual(state.instances[0]?.activityText, "idle")
        XCTAssertEqual(state.recentTransfers.count, 1)
        XCTAssertEqual(state.recentTransfers[0].gigabytesPerSecond!, 2.0, accuracy: 1e-6)
    }

    func testFinishedRequestsFeedSummaryAndSLO() {
        var state = makeState()
        stallScript().forEach { state.apply($0) }
        state.apply(EngineEvent(time: 2.0, kind: .finished(request: 7, reason: .stop, outputTokens: 6)))
        state.apply(EngineEvent(time: 2.0, kind: .finished(request: 12, reason: .length, outputTokens: 2)))
        XCTAssertEqual(state.finishedCount, 2)
        XCTAssertEqual(state.completedCount, 2)
        // #7: ttft 0.05 ok but tpot 0.368 > 0.05; #12: ttft 1.705 > 0.5. Neither attains.
        XCTAssertEqual(state.sloAttainment, 0)
        let itl = state.metricSummaries.first { $0.name == "itl" }!
        XCTAssertEqual(itl.count, 6)
        XCTAssertEqual(itl.median!, 0.01, accuracy: 1e-5, "HDR: within 0.1 %")
        XCTAssertEqual(itl.max!, 1.8, accuracy: 1e-9)
        XCTAssertEqual(state.requests[7]?.stage, .finished(.stop))
    }

    func testPreemptionAndRejectionStates() {
        var state = makeState()
        (arrive(1, "a", tokens: 10, at: 0) + arrive(2, "b", tokens: 10, at: 0)).forEach { state.apply($0) }
        state.apply(EngineEvent(time: 1, kind: .preempted(request: 1, instance: 0, reason: "no free blocks")))
        state.apply(EngineEvent(time: 1, kind: .queued(request: 1, instance: 0)))
        state.apply(EngineEvent(time: 1, kind: .rejected(request: 2, reason: "prompt too long")))
        XCTAssertEqual(state.requests[1]?.stage, .preempted, "requeued after preemption stays preempted")
        XCTAssertEqual(state.requests[2]?.stage, .rejected("prompt too long"))
        XCTAssertEqual(state.rejectedCount, 1)
        XCTAssertEqual(state.preemptionCount, 1)
    }

    func testInboxCollectsFromManyThreadsWithoutLoss() {
        let inbox = EventInbox()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<1000 { inbox.receive(EngineEvent(time: Double(i), kind: .queued(request: thread, instance: 0))) }
        }
        let batch = inbox.drain()
        XCTAssertEqual(batch.events.count, 8000)
        XCTAssertEqual(batch.droppedCount, 0)
        XCTAssertTrue(inbox.drain().events.isEmpty)
    }

    func testInboxDropsOldestWhenFull() {
        let inbox = EventInbox(capacity: 4)
        for i in 0..<6 { inbox.receive(EngineEvent(time: Double(i), kind: .queued(request: i, instance: 0))) }
        let batch = inbox.drain()
        XCTAssertEqual(batch.events.map(\.time), [2, 3, 4, 5])
        XCTAssertEqual(batch.droppedCount, 2)
    }
}
