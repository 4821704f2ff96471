import Engine
import XCTest
@testable import Dashboard

/// The same bands drawn from `ObservedInstance` records (what `pdscope attach` feeds) instead of events.
final class ObservedViewTests: XCTestCase {
    private func attachedState() -> DashboardState {
        let config = DashboardConfig(modelName: "attach", policy: "attach",
                                     instances: [InstanceDescription(id: 0, role: .prefill, cores: []),
                                                 InstanceDescription(id: 1, role: .decode, cores: [])],
                                     poolBlocks: [:])
        var state = DashboardState(config: config)
        state.advance(to: 12)
        var p = ObservedInstance(url: "http://p:8100", role: "prefill")
        p.engine = "vllm"; p.version = "0.32.0"; p.model = "smollm2"; p.lastSeen = 11.5
        p.running = 2; p.waiting = 3; p.waitingReasons = [.init("capacity", 3), .init("deferred", 0)]
        p.kvUsage = 0.25; p.kvBlocksUsed = 91; p.kvBlocksTotal = 364
        p.promptTokensPerSecond = 310.5; p.generationTokensPerSecond = 2
        p.preemptions = 1; p.prefixHitRate = 0.5; p.window = 30
        p.estimates = [.init(name: "TTFT", p50: 0.175, p90: 0.22, p99: 0.25, count: 5)]
        var d = ObservedInstance(url: "http://d:8200", role: "decode")
        d.engine = "vllm"; d.error = "metrics: Could not connect to the server."
        state.observe(p, as: 0)
        state.observe(d, as: 1)
        return state
    }

    func testPanelsHeaderAndBandsShowTheScrapedNumbers() {
        var buffer = ScreenBuffer(width: 120, height: 40)
        DashboardView.render(attachedState(), options: DashboardViewOptions(), into: &buffer)
        let text = buffer.lines().joined(separator: "\n")
        XCTAssertTrue(text.contains("pdscope attach │ 2 instances │ model smollm2"), text)
        XCTAssertTrue(text.contains("2.0 tok/s │ running 2 · waiting 3 │ down 1"), text)
        XCTAssertTrue(text.contains("i0 prefill · vllm 0.32.0 · KV 25%"), text)
        XCTAssertTrue(text.contains("run 2 · wait 3 (capacity 3) · KV 91/364 blocks"), text)
        XCTAssertTrue(text.contains("tok/s in 310.5 out 2.0 · preempt 1 · prefix hit 50%"), text)
        XCTAssertTrue(text.contains("~TTFT p50/p90/p99 175/220/250 ms (5, est.)"), text)
        XCTAssertTrue(text.contains("i1 decode · vllm · DOWN"), text)
        XCTAssertTrue(text.contains("metrics: Could not connect to the server."), text)
        XCTAssertTrue(text.contains("never reached"), text)
        XCTAssertTrue(text.contains("queues by stage (scraped)"), text)
        XCTAssertTrue(text.contains("estimated from /metrics histogram bucket deltas over the last 30 s"), text)
        XCTAssertFalse(text.contains("policy attach"), "the engine header is replaced")
    }

    func testSmallestScreenStillDrawsWithoutOverflow() {
        var buffer = ScreenBuffer(width: 80, height: 24, glyphs: .ascii)
        DashboardView.render(attachedState(), options: DashboardViewOptions(), into: &buffer)
        for line in buffer.lines() { XCTAssertEqual(line.terminalWidth, 80) }
        XCTAssertTrue(buffer.lines().joined().contains("DOWN"))
    }
}
