import TestSupport
import XCTest
import Foundation
@testable import Engine

/// Every metric of the hand-timed `disaggregatedScript`, worked out by hand.
final class MetricsCollectorTests: XCTestCase {
    func testPerRequestMetricsFollowVLLMDefinitions() throws {
        let collector = disaggregatedScript().collector()
        let first = try XCTUnwrap(collector.request(1))
        assertApprox(first.ttft, 1.0)                       // arrival 0 → token 0 at 1.0
        assertApprox(first.e2el, 1.6)                       // → finished at 1.6
        assertApprox(first.tpot, (1.6 - 1.0) / 3)           // (e2el − ttft) / (4 − 1)
        XCTAssertEqual(first.itls.count, 3)
        for (gap, expected) in zip(first.itls, [0.2, 0.3, 0.1]) { assertApprox(gap, expected) }
        assertApprox(first.queueTime, 0.5)                  // first step at 0.5
        assertApprox(first.prefillTime, 0.5)                // chunk 1 start 0.5 → chunk 2 end 1.0
        assertApprox(first.kvTransferTime, 0.002)
        XCTAssertEqual(first.kvTransferCount, 1)
        XCTAssertEqual(first.outputText, "t0 t1 t2 t3 ")
        XCTAssertEqual(first.state, .finished)
        XCTAssertEqual(first.user, "alice")
        XCTAssertEqual(first.tokenInstances, [0, 1, 1, 1])

        let single = try XCTUnwrap(collector.request(2))
        assertApprox(single.ttft, 0.2)
        assertApprox(single.e2el, 0.2)
        XCTAssertNil(single.tpot, "one output token has no TPOT")
        XCTAssertEqual(single.itls, [])
        assertApprox(single.queueTime, 0.1)
        assertApprox(single.prefillTime, 0.1, "chunk known only from its step spans the step")
        XCTAssertNil(single.kvTransferTime)
        XCTAssertEqual(single.prefixHitTokens, 16)

        let rejected = try XCTUnwrap(collector.request(3))
        XCTAssertEqual(rejected.state, .rejected)
        XCTAssertEqual(rejected.rejectReason, "prompt longer than the context")
        XCTAssertNil(rejected.ttft)
        XCTAssertFalse(rejected.isCompleted)
        XCTAssertNil(collector.request(99))
    }

    func testAggregatesThroughputAndDistributions() {
        let report = disaggregatedScript().collector().report()
        XCTAssertEqual(report.completed, 2)
        XCTAssertEqual(report.rejected, 1)
        XCTAssertEqual(report.unfinished, 0)
        XCTAssertEqual(report.aborted, 0)
        assertApprox(report.durationSeconds, 1.6)           // first arrival 0 → last event 1.6
        XCTAssertEqual(report.totalInputTokens, 110)
        XCTAssertEqual(report.totalOutputTokens, 5)
        assertApprox(report.requestThroughput, 2 / 1.6)
        assertApprox(report.outputThroughput, 5 / 1.6)

        XCTAssertEqual(report.ttft.count, 2)
        assertApprox(report.ttft.mean, 0.6)
        assertPercentile(report.ttft.median, 0.2)          // nearest rank of {0.2, 1.0}
        assertPercentile(report.ttft.p99, 1.0)
        XCTAssertEqual(report.tpot.count, 1, "the one-token request has no TPOT sample")
        assertPercentile(report.tpot.p90, 0.2)
        XCTAssertEqual(report.itl.count, 3)
        assertApprox(report.itl.mean, 0.2)
        assertPercentile(report.itl.median, 0.2)
        assertPercentile(report.itl.p90, 0.3)
        assertPercentile(report.itl.p99, 0.3)
        assertApprox(report.e2el.mean, 0.9)
        assertApprox(report.queueTime.mean, 0.3)
        assertApprox(report.prefillTime.mean, 0.3)
        XCTAssertEqual(report.kvTransferTime.count, 1)
        XCTAssertNil(report.goodput, "no objectives, no goodput")
    }

    func testKVTransfersBusyFractionCacheUsageAndPrefixHits() {
        let report = disaggregatedScript().collector().report(poolBlocks: [.instance(0): 16, .instance(1): 8])
        XCTAssertEqual(report.kvTransfers.count, 1)
        XCTAssertEqual(report.kvTransfers.bytes, 1_000_000)
        XCTAssertEqual(report.kvTransfers.blocks, 4)
        assertApprox(report.kvTransfers.meanGBps, 0.5, accuracy: 1e-9)   // 1 MB in 2 ms

        XCTAssertEqual(report.instances.map(\.id), [0, 1])
        XCTAssertEqual(report.instances.map(\.steps), [2, 4])
        assertApprox(report.instances[0].busyFraction, 0.4 / 1.6)
        assertApprox(report.instances[1].busyFraction, 0.6 / 1.6)

        XCTAssertEqual(report.kvCache.map(\.location), [.instance(0), .instance(1)])
        XCTAssertEqual(report.kvCache.map(\.peakBlocks), [4, 4])
        XCTAssertEqual(report.kvCache.map(\.usedBlocks), [0, 0], "every block was freed")
        assertApprox(report.kvCache[0].peakUsage, 0.25)
        assertApprox(report.kvCache[1].peakUsage, 0.5)
        XCTAssertEqual(report.prefixCache, .init(hits: 1, blocks: 1, tokens: 16))
    }

    func testMeanTransferRateAveragesPerTransferRates() {
        var s = EventScript()
        s.arrive(1, at: 0, prompt: 8)
        s.transfer(1, 1, from: 0, to: 0.5, bytes: 1_000_000_000)       // 2 GB/s
        s.transfer(2, 1, from: 1, to: 1.25, bytes: 1_000_000_000)      // 4 GB/s
        s.transfer(3, 1, from: 2, to: 2, bytes: 10)                    // no measurable time: left out
        let report = s.collector().report()
        XCTAssertEqual(report.kvTransfers.count, 3)
        assertApprox(report.kvTransfers.meanGBps, 3)
        assertApprox(report.kvTransfers.totalSeconds, 0.75)
        assertApprox(s.collector().request(1)?.kvTransferTime, 0.75)
    }

    func testLiveKVCacheUsage() {
        var s = EventScript()
        s.add(0, .blocksAllocated(location: .store, request: 1, blocks: [1, 2, 3]))
        s.add(1, .blocksFreed(location: .store, request: 1, blocks: [1]))
        let collector = s.collector()
        XCTAssertEqual(collector.kvCacheUsage(at: .store, capacity: 8), 0.25)
        XCTAssertEqual(collector.blockUsage(at: .store).peak, 3)
        XCTAssertTrue(collector.kvCacheUsage(at: .store, capacity: 0).isNaN)
    }

    func testPreemptionIsCountedAndRecomputedTokensAreNotNewTokens() throws {
        var s = EventScript()
        s.arrive(1, at: 0, prompt: 10)
        s.step(0, from: 0, to: 0.1, prefills: [makeChunk(1, 0, 10)], tokens: [(1, 0)])
        s.step(0, from: 0.1, to: 0.2, decodes: [1], tokens: [(1, 1)])
        s.add(0.2, .preempted(request: 1, instance: 0, reason: "decode pool full"))
        let preempted = s.collector().request(1)
        XCTAssertEqual(preempted?.state, .preempted)
        s.add(0.3, .queued(request: 1, instance: 0))
        s.step(0, from: 0.5, to: 0.7, prefills: [makeChunk(1, 0, 11)], tokens: [(1, 1)])
        s.step(0, from: 0.7, to: 0.8, decodes: [1], tokens: [(1, 2)])
        s.finish(1, at: 0.8, outputTokens: 3)
        let collector = s.collector()
        let request = try XCTUnwrap(collector.request(1))
        XCTAssertEqual(request.preemptions, 1)
        XCTAssertEqual(request.tokenTimes.count, 3)
        XCTAssertEqual(request.outputText, "t0 t1 t2 ")
        for (gap, expected) in zip(request.itls, [0.1, 0.6]) { assertApprox(gap, expected) }
        assertApprox(request.prefillTime, 0.7, "first chunk start 0 → recompute chunk end 0.7")
        XCTAssertEqual(collector.report().numPreemptions, 1)
    }

    func testUnfinishedAbortedAndEmptyRuns() {
        let empty = MetricsCollector().report()
        XCTAssertEqual(empty.completed, 0)
        XCTAssertNil(empty.ttft.mean)
        XCTAssertTrue(empty.requestThroughput.isNaN, "no duration: throughput undefined")

        var s = EventScript()
        s.arrive(1, at: 0, prompt: 4)
        s.arrive(2, at: 0, prompt: 4)
        s.step(0, from: 0, to: 1, prefills: [makeChunk(1, 0, 4)], tokens: [(1, 0)])
        s.finish(1, at: 1, outputTokens: 1, reason: .aborted)
        let report = s.collector().report()
        XCTAssertEqual(report.completed, 0, "aborted is not a successful request")
        XCTAssertEqual(report.aborted, 1)
        XCTAssertEqual(report.unfinished, 1)
        XCTAssertEqual(report.ttft.count, 0)
        XCTAssertEqual(report.requests.map(\.state), [.finished, .waiting])
    }

    func testExplicitDurationOverridesTheEventSpan() {
        let report = disaggregatedScript().collector().report(duration: 4)
        assertApprox(report.requestThroughput, 0.5)
        assertApprox(report.instances[1].busyFraction, 0.15)
    }

    func testConcurrentSendersLoseNoEvents() {
        let collector = MetricsCollector()
        let threads = 4, perThread = 250
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for n in 0..<perThread {
                let id = thread * perThread + n
                var s = EventScript()
                s.arrive(id, at: 0, prompt: 2)
                s.step(thread, from: Double(n), to: Double(n) + 0.5, prefills: [makeChunk(id, 0, 2)], tokens: [(id, 0)])
                s.finish(id, at: Double(n) + 0.5, outputTokens: 1)
                for event in s.events { collector.receive(event) }
            }
        }
        let report = collector.report()
        XCTAssertEqual(report.completed, threads * perThread)
        XCTAssertEqual(report.instances.map(\.steps), Array(repeating: perThread, count: threads))
        assertApprox(report.instances[0].busySeconds, Double(perThread) * 0.5)
    }
}
