import TestSupport
import XCTest
@testable import Engine

/// Stall attribution: which prefill work sat between two tokens of a request on its instance.
final class MetricsStallTests: XCTestCase {
    /// Instance 0 (colocated FCFS): #1 decodes, then #2's 2,010-token prompt runs in two whole
    /// steps before #1's next token. Instance 1 meanwhile prefills #3 and decodes #4 smoothly.
    private func script() -> EventScript {
        var s = EventScript()
        s.arrive(1, at: 0, prompt: 8)
        s.arrive(2, at: 0.15, prompt: 2010)
        s.arrive(3, at: 0, prompt: 500)
        s.arrive(4, at: 0, prompt: 8)
        s.step(0, from: 0, to: 0.1, prefills: [makeChunk(1, 0, 8)], tokens: [(1, 0)])
        s.step(0, from: 0.1, to: 0.2, decodes: [1], tokens: [(1, 1)])
        s.step(0, from: 0.2, to: 1.0, prefills: [makeChunk(2, 0, 1005, 1, of: 2)])
        s.step(0, from: 1.0, to: 2.0, prefills: [makeChunk(2, 1005, 1005, 2, of: 2)], tokens: [(2, 0)])
        s.step(0, from: 2.0, to: 2.1, decodes: [1, 2], tokens: [(1, 2), (2, 1)])
        s.step(1, from: 0, to: 0.1, prefills: [makeChunk(4, 0, 8)], tokens: [(4, 0)])
        s.step(1, from: 0.5, to: 1.5, prefills: [makeChunk(3, 0, 500)])
        for n in 1...3 { s.step(1, from: 1.5 + Double(n - 1) * 0.1, to: 1.5 + Double(n) * 0.1, decodes: [4], tokens: [(4, n)]) }
        return s
    }

    func testGapIsAttributedToPrefillOnTheSameInstance() throws {
        let stalls = script().collector().stalls(minGap: 1.6)
        XCTAssertEqual(stalls.count, 1)
        let stall = try XCTUnwrap(stalls.first)
        XCTAssertEqual(stall.request, 1)
        XCTAssertEqual(stall.instance, 0)
        XCTAssertEqual(stall.tokenIndex, 2)
        assertApprox(stall.gap, 1.9)
        XCTAssertEqual(stall.causes.count, 1, "#3's prefill ran on instance 1 and must not be blamed")
        let cause = try XCTUnwrap(stall.causes.first)
        XCTAssertEqual(cause.request, 2)
        XCTAssertEqual(cause.chunks, 2)
        XCTAssertEqual(cause.tokens, 2010)
        assertApprox(cause.overlap, 1.8)
        XCTAssertEqual(stall.description, "#1 waited 1.90 s behind prefill of #2 (2,010 tokens)")
    }

    func testStallsComeWorstFirstAndGapsWithoutPrefillSaySo() throws {
        let stalls = script().collector().stalls(minGap: 0.5)
        // #1 token 2 (1.9 s), #4 token 1 (1.5 s: 0.1 → 1.6, behind #3 on instance 1).
        XCTAssertEqual(stalls.map(\.request), [1, 4])
        XCTAssertEqual(stalls[1].causes.map(\.request), [3])
        assertApprox(stalls[1].causes.first?.overlap, 1.0)

        var quiet = EventScript()
        quiet.arrive(9, at: 0, prompt: 4)
        quiet.step(2, from: 0, to: 0.1, decodes: [9], tokens: [(9, 0)])
        quiet.step(2, from: 1.1, to: 1.2, decodes: [9], tokens: [(9, 1)])
        let lone = try XCTUnwrap(quiet.collector().stalls(minGap: 0.5).first)
        XCTAssertEqual(lone.causes, [])
        XCTAssertEqual(lone.description, "#9 waited 1.10 s (no prefill ran on its instance)")
    }

    /// Off-CPU time counts for a gap when a step of the late token's instance ended inside it:
    /// not the step that produced the previous token, not another instance's, and too little to
    /// name (under `offCPUFloor`) is not kept.
    func testOffCPUTimeOfTheGapsStepsIsReported() throws {
        var s = EventScript()
        s.arrive(1, at: 0, prompt: 4)
        s.step(1, from: 0, to: 0.01, decodes: [1], tokens: [(1, 0)], offCPU: 0.002)
        s.step(1, from: 0.01, to: 0.02, decodes: [], offCPU: 0.005)
        s.step(1, from: 0.02, to: 0.06, decodes: [1], tokens: [(1, 1)], offCPU: 0.025)
        s.step(2, from: 0.02, to: 0.05, decodes: [], offCPU: 0.02)
        s.step(1, from: 0.06, to: 0.07, decodes: [1], tokens: [(1, 2)], offCPU: 0.0004)
        let collector = s.collector()
        let stalls = collector.stalls(minGap: 0)
        let first = try XCTUnwrap(stalls.first { $0.tokenIndex == 1 })
        assertApprox(first.offCPU, 0.030)
        XCTAssertEqual(first.description, "#1 waited 50.0 ms (no prefill ran on its instance; its thread was off the CPU for 30.0 ms of it)")
        let second = try XCTUnwrap(stalls.first { $0.tokenIndex == 2 })
        XCTAssertEqual(second.offCPU, 0)
        XCTAssertEqual(second.description, "#1 waited 10.0 ms (no prefill ran on its instance)")
        // The dashboard's view of one stall says the same.
        XCTAssertEqual(collector.stall(request: 1, tokenIndex: 1), first)
    }

    func testChunkSharingTheDecodeStepIsACause() throws {
        var s = EventScript()
        s.arrive(1, at: 0, prompt: 4)
        s.arrive(2, at: 0, prompt: 256)
        s.step(0, from: 0, to: 0.1, decodes: [1], tokens: [(1, 0)])
        s.step(0, from: 0.1, to: 0.4, decodes: [1], prefills: [makeChunk(2, 0, 250, 1, of: 2)], chunkEvents: false, tokens: [(1, 1)])
        let stall = try XCTUnwrap(s.collector().stalls(minGap: 0.25).first)
        XCTAssertEqual(stall.causes, [StallCause(request: 2, chunks: 1, tokens: 250, overlap: 0.30000000000000004)])
        XCTAssertEqual(stall.description, "#1 waited 300.0 ms behind prefill of #2 (250 tokens)")
        XCTAssertEqual(s.collector().stalls(minGap: 0.31), [])
    }

    /// The indexed lookup finds exactly what a scan of every chunk finds (seeded random timelines,
    /// including chunks sharing a step and zero-length chunks).
    func testTimelineLookupMatchesABruteForceScan() {
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        var runs: [MetricsCollector.ChunkRun] = []
        var time = 0.0
        for n in 0..<300 {
            let length = Double(next(4)) * 0.01               // 0 … 30 ms, zero included
            let sharing = next(3) == 0                       // same start as the previous chunk
            let start = sharing && !runs.isEmpty ? runs[runs.count - 1].start : time
            runs.append(.init(chunk: makeChunk(next(7), n, 1 + next(50)), start: start, end: start + length))
            time = max(time, start + length) + Double(next(3)) * 0.01
        }
        let timeline = ChunkTimeline(runs.shuffled())
        var multiCause = 0
        for _ in 0..<400 {
            let start = Double(next(Int(time * 100) + 10)) * 0.01 - 0.005
            let end = start + Double(1 + next(20)) * 0.01
            var expected: [RequestID: StallCause] = [:]
            for run in runs {
                let overlap = min(run.end, end) - max(run.start, start)
                guard overlap > 0 || (run.start == run.end && run.start > start && run.start < end) else { continue }
                var cause = expected[run.chunk.request] ?? StallCause(request: run.chunk.request, chunks: 0, tokens: 0, overlap: 0)
                cause.chunks += 1; cause.tokens += run.chunk.tokens; cause.overlap += max(overlap, 0)
                expected[run.chunk.request] = cause
            }
            let found = timeline.causes(from: start, to: end)
            if found.count > 1 { multiCause += 1 }
            XCTAssertEqual(Set(found.map(\.request)), Set(expected.keys), "gap \(start)–\(end)")
            for cause in found {
                XCTAssertEqual(cause.chunks, expected[cause.request]?.chunks)
                XCTAssertEqual(cause.tokens, expected[cause.request]?.tokens)
                XCTAssertEqual(cause.overlap, expected[cause.request]?.overlap ?? -1, accuracy: 1e-9)
            }
        }
        XCTAssertGreaterThan(multiCause, 50, "the gaps must actually cover several chunks")
    }

    func testGroupedThousands() {
        XCTAssertEqual(EngineLimits.grouped(0), "0")
        XCTAssertEqual(EngineLimits.grouped(999), "999")
        XCTAssertEqual(EngineLimits.grouped(2010), "2,010")
        XCTAssertEqual(EngineLimits.grouped(-1234567), "-1,234,567")
        XCTAssertEqual(EngineLimits.grouped(Int.min), "-9,223,372,036,854,775,808", "no overflow")
    }
}
