import Engine
import XCTest
@testable import Dashboard

/// What the sweep found misleading on screen: queue counts cut to "24…", "decoding 859" under
/// `--max-running 16`, the SLO line cut at 140 columns, and no legend for the sparkline and map.
final class DisplayHonestyTests: XCTestCase {
    /// 40 requests prefilled and handed to one decode instance that runs 16 of them at a time.
    private func decodeBacklog() -> DashboardState {
        var state = DashboardState(config: Fixtures.config())
        var t = 0.0
        func at(_ dt: Double, _ kind: EngineEvent.Kind) { t += dt; state.apply(EngineEvent(time: t, kind: kind)) }
        for id in 0..<40 {
            at(0.001, .arrived(request: id, spec: RequestSpec(user: "u\(id)", prompt: .text("hi"), maxTokens: 8), promptTokens: 4))
            let chunk = PrefillChunk(request: id, startPosition: 0, tokens: 4, chunkIndex: 1, chunkCount: 1)
            at(0, .prefillChunkEnded(instance: 0, chunk: chunk))
            at(0, .tokenEmitted(request: id, index: 0, token: 1, text: "a"))
            at(0, .queued(request: id, instance: 1))
        }
        at(0.01, .stepStarted(instance: 1, step: 1, decodes: Array(0..<16), prefills: []))
        return state
    }

    func testDecodingCountsOnlyTheDecodeBatchTheRestWaitForASlot() {
        let queues = Dictionary(uniqueKeysWithValues: decodeBacklog().queues.map { ($0.stage, $0.count) })
        XCTAssertEqual(queues[.decoding], 16, "the batch that runs (--max-running)")
        XCTAssertEqual(queues[.decodeWaiting], 24, "prefilled, waiting for a place in the batch")
        XCTAssertEqual(decodeBacklog().runningCount, 16)
    }

    func testLargeQueueCountsAreNeverCut() {
        XCTAssertEqual(Format.compact(2_415, fullBelow: 10_000), "2,415")
        XCTAssertEqual(Format.compact(24_153, fullBelow: 10_000), "24k")
        XCTAssertEqual(Format.compact(84_146_000, fullBelow: 1_000_000), "84.1M")
        var state = DashboardState(config: Fixtures.config())
        for id in 0..<24_153 {
            state.apply(EngineEvent(time: 0, kind: .arrived(request: id, spec: RequestSpec(user: "u", prompt: .text("hi"), maxTokens: 8),
                                                            promptTokens: 3_500)))
            state.apply(EngineEvent(time: 0, kind: .queued(request: id, instance: 0)))
        }
        var buffer = ScreenBuffer(width: 80, height: 24, glyphs: .unicode)
        DashboardView.render(state, options: DashboardViewOptions(), into: &buffer)
        let row = buffer.lines().first { $0.contains("prefill waiting ") } ?? ""
        XCTAssertTrue(row.contains("prefill waiting   24k"), row)
        XCTAssertTrue(row.contains("84.5M"), row)
        XCTAssertFalse(row.prefix(40).contains("…"), row)
    }

    /// 170 columns, fewer than 30 rows: one summary line. When percentiles and SLO do not both fit,
    /// the short form keeps the SLO attainment whole instead of cutting it.
    func testSLOIsNeverCutOnOneSummaryLine() {
        // Slow requests: five-digit milliseconds make the combined line longer than 170 columns.
        var state = DashboardState(config: Fixtures.config())
        for id in 0..<3 {
            let spec = RequestSpec(user: "u\(id)", prompt: .text("hi"), maxTokens: 8)
            state.apply(EngineEvent(time: 0, kind: .arrived(request: id, spec: spec, promptTokens: 4)))
            for (i, t) in [14.426, 19.407, 24.388].enumerated() {
                state.apply(EngineEvent(time: t + Double(id) * 0.123, kind: .tokenEmitted(request: id, index: i, token: 1, text: "x")))
            }
            state.apply(EngineEvent(time: 24.388 + Double(id) * 0.123, kind: .finished(request: id, reason: .length, outputTokens: 3)))
        }
        var buffer = ScreenBuffer(width: 170, height: 29, glyphs: .unicode)
        DashboardView.render(state, options: DashboardViewOptions(), into: &buffer)
        let line = buffer.lines().first { $0.hasPrefix("ttft ") || $0.hasPrefix("ms mean") } ?? ""
        XCTAssertTrue(line.contains("SLO"), line)
        XCTAssertFalse(line.contains("…"), "cut: \(line)")
    }

    func testHelpOverlayExplainsTheSparklineAndTheBlockMap() {
        var options = DashboardViewOptions()
        options.isHelpShown = true
        var buffer = ScreenBuffer(width: 100, height: 40, glyphs: .unicode)
        DashboardView.render(Fixtures.populatedState(), options: options, into: &buffer)
        let screen = buffer.lines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("itl trend"), screen)
        XCTAssertTrue(screen.contains("KV block map"), screen)
        XCTAssertTrue(screen.contains("█ a block held by a request (one colour per request) · free"), screen)
    }
}
