import Engine
import XCTest
@testable import Dashboard

final class DashboardViewTests: XCTestCase {
    private func render(width: Int, height: Int, state: DashboardState = Fixtures.populatedState(),
                        options: DashboardViewOptions = DashboardViewOptions(), glyphs: GlyphSet = .unicode) -> ScreenBuffer {
        var buffer = ScreenBuffer(width: width, height: height, glyphs: glyphs)
        var options = options
        if options.selectedUser == nil { options.selectedUser = "alice" }
        DashboardView.render(state, options: options, into: &buffer)
        return buffer
    }

    /// Every line has exactly the screen's width in columns, and every box's right border sits in
    /// the same column on each of its rows: what a CJK width bug would break.
    private func assertAligned(_ buffer: ScreenBuffer, file: StaticString = #filePath, line: UInt = #line) {
        for (y, text) in buffer.lines().enumerated() {
            XCTAssertEqual(text.terminalWidth, buffer.width, "row \(y) width", file: file, line: line)
        }
        let lines = buffer.lines().map { Array($0) }
        for (y, row) in lines.enumerated() {
            // Column positions of "│" computed by width must match on consecutive rows of a box.
            var col = 0, bars: [Int] = []
            for ch in row { if ch == "│" { bars.append(col) }; col += String(ch).terminalWidth }
            if y > 0, y + 1 < lines.count, bars.count >= 2 {
                XCTAssertEqual(bars.count % 2, 0, "row \(y) has unpaired borders: \(String(row))", file: file, line: line)
            }
        }
    }

    func testNarrowLayoutAt80x24() {
        let buffer = render(width: 80, height: 24)
        let lines = buffer.lines()
        XCTAssertEqual(lines[0], "pdscope │ stories260K │ disaggregated │ p-first │ KV p2p f16 │ up 0:00".padded(toWidth: 80))
        XCTAssertEqual(lines[1], "15.0 tok/s │ run 2 · wait 1 · done 0 · rej 0 │ 20 fps".padded(toWidth: 80))
        XCTAssertEqual(lines[2], "┌ i0 prefill · KV 14% ─────────────────┐┌ i1 decode · KV 3% ───────────────────┐")
        XCTAssertEqual(lines[4], "│prefill of #2 chunk 1/2               ││idle                                  │")
        XCTAssertEqual(lines[8], "│stage               n  oldest   tokens││#1 i0→i1 2.0 ms 0.03 GB/s 64.0 KiB 2 …│")
        XCTAssertEqual(lines[9], "│prefill waiting     1  502 ms      120││#1 waited 400.0 ms behind prefill of  │")
        XCTAssertEqual(lines[10], "│prefilling          1  400 ms       80││  #2 (80 tokens)                      │")
        XCTAssertEqual(lines[13], "│decode waiting      0       -        0││                                      │")
        XCTAssertEqual(lines[19], "│alice      decoding            40     8    60.0    400 ▁▁▁▁▁█    66.0     400 │")
        XCTAssertEqual(lines[20], "│alice ▸ Once upon a time there there there there there there 世界             │")
        // No request has finished: like the run summary, the percentiles cover completed requests only.
        XCTAssertEqual(lines[22], "ttft -/-/-  tpot -/-/-  itl -/-/- p99.9 - max -  e2el -/-/-  SLO -".padded(toWidth: 80))
        XCTAssertEqual(lines[23], "i type · L/S long/short · g load [ ] rate · p pause · r rec · ? help · q quit".padded(toWidth: 80))
        assertAligned(buffer)
    }

    func testWideLayoutAt200x60ShowsNamesTextPanelAndFullHeader() {
        let buffer = render(width: 200, height: 60)
        let lines = buffer.lines()
        XCTAssertTrue(lines[0].hasPrefix("pdscope │ model stories260K │ policy disaggregated │ route p-first │ KV p2p f16 │ up 0:00"))
        XCTAssertTrue(lines[1].hasPrefix("15.0 tok/s │ running 2 · waiting 1 · finished 0 · rejected 0 │ 20 fps"))
        XCTAssertTrue(lines.contains { $0.contains("WAITING_FOR_REMOTE_KVS / prealloc_queue") }, "vLLM/SGLang names on wide screens")
        XCTAssertTrue(lines.contains { $0.contains("┌ alice ▸ #1 ─") }, "streaming text gets its own panel")
        XCTAssertTrue(lines.contains { $0.contains("│用户       prefilling          80     0") }, "CJK user name padded by width")
        // Tall enough for two summary lines: the SLO line has its own and is never cut.
        let summary = try! XCTUnwrap(lines.firstIndex { $0.hasPrefix("ms mean/p50/p99 (all)  ttft -/-/-") && $0.contains("itl -/-/- p99.9 - max -") })
        XCTAssertTrue(lines[summary + 1].hasPrefix("SLO - (--goodput") && lines[summary + 1].contains("rejected 0"), "no default SLO: \(lines[summary + 1])")
        XCTAssertTrue(lines[58].hasPrefix("> press i to type a prompt"))
        assertAligned(buffer)
    }

    func testRealtimeInstanceSaysSoInItsPanel() {
        var state = Fixtures.populatedState()
        XCTAssertFalse(render(width: 200, height: 60, state: state).lines().contains { $0.contains("real-time") })
        state.setPlacement(ThreadPlacement(cores: [1], realtime: true), for: 1)
        let lines = render(width: 200, height: 60, state: state).lines()
        XCTAssertEqual(lines.filter { $0.contains("cores 1 (seen) real-time ·") }.count, 1, lines.joined(separator: "\n"))
        XCTAssertEqual(lines.joined().components(separatedBy: "real-time").count - 1, 1, "only the instance that is")
    }

    func testIntermediateSizesDegradeWithoutBreakingBorders() {
        let state = Fixtures.populatedState(config: Fixtures.config(instances: 4, transfer: .pool))
        for (w, h) in [(80, 24), (81, 25), (100, 30), (120, 40), (160, 50), (200, 60)] {
            let buffer = render(width: w, height: h, state: state)
            XCTAssertEqual(buffer.lines().count, h)
            XCTAssertTrue(buffer.lines().joined().contains("KV store"), "\(w)×\(h) shows the pool store panel")
            XCTAssertTrue(buffer.lines().joined().contains("i3 decode"), "\(w)×\(h) shows every instance")
            assertAligned(buffer)
        }
    }

    func testTooSmallTerminal() {
        let lines = render(width: 60, height: 15).lines()
        XCTAssertEqual(lines[7], "         terminal too small: have 60×15, need 80×24         ")
        XCTAssertTrue(render(width: 79, height: 40).lines().joined().contains("have 79×40, need 80×24"))
    }

    func testASCIIFallbackDrawsOnlyASCII() {
        let buffer = render(width: 100, height: 30, glyphs: .ascii)
        for line in buffer.lines() { XCTAssertTrue(line.allSatisfy(\.isASCII), line) }
        XCTAssertTrue(buffer.lines()[2].hasPrefix("+ i0 prefill . KV 14% ---"))
    }

    func testNoColorLabelsBlockOwners() {
        var options = DashboardViewOptions()
        options.isColorEnabled = false
        let lines = render(width: 80, height: 24, options: options).lines()
        XCTAssertEqual(lines[5], "│1·2233··························      ││1·······························      │")
    }

    func testInputFocusShowsCursorOnInputLine() {
        var options = DashboardViewOptions()
        options.isInputFocused = true
        options.input.insert("@bob 你好")
        var buffer = ScreenBuffer(width: 80, height: 30)
        let cursor = DashboardView.render(Fixtures.populatedState(), options: options, into: &buffer)
        XCTAssertEqual(cursor?.y, 28)
        XCTAssertEqual(cursor?.x, 2 + 9, "after '> ' and 9 columns of text")
        XCTAssertTrue(buffer.lines()[28].hasPrefix("> @bob 你好 "))
        XCTAssertTrue(buffer.lines()[29].hasPrefix("Enter send"))
    }

    func testHelpOverlayHidesCursor() {
        var options = DashboardViewOptions()
        options.isHelpShown = true; options.isInputFocused = true
        var buffer = ScreenBuffer(width: 80, height: 24)
        XCTAssertNil(DashboardView.render(Fixtures.populatedState(), options: options, into: &buffer))
        XCTAssertTrue(buffer.lines().joined().contains("load generator rate down / up"))
    }
}
