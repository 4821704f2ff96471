import XCTest
@testable import Dashboard

final class WidgetTests: XCTestCase {
    private func render(width: Int, height: Int, glyphs: GlyphSet = .unicode, _ draw: (inout ScreenBuffer) -> Void) -> [String] {
        var buffer = ScreenBuffer(width: width, height: height, glyphs: glyphs)
        draw(&buffer)
        return buffer.lines()
    }

    func testSparklineLevels() {
        let lines = render(width: 9, height: 1) { Sparkline(values: [0, 1, 2, 3, 4, 5, 6, 7, 8]).render(into: &$0, rect: $0.area) }
        XCTAssertEqual(lines, [" ▁▂▃▄▅▆▇█"])
    }

    func testSparklineStallStandsOutAndSmallGapsStayVisible() {
        let lines = render(width: 6, height: 1) { Sparkline(values: [0.01, 0.01, 0.012, 0.5, 0.01]).render(into: &$0, rect: $0.area) }
        XCTAssertEqual(lines, ["▁▁▁█▁ "])
    }

    func testSparklineShowsMostRecentValuesThatFit() {
        let lines = render(width: 3, height: 1) { Sparkline(values: [8, 8, 8, 1, 2, 4]).render(into: &$0, rect: $0.area) }
        XCTAssertEqual(lines, ["▂▄█"], "scaled to the maximum of the visible window")
    }

    /// A steady 5.6 ms ITL used to draw as a row of near-full bars, reading like a stall everywhere.
    func testFlatLineLooksFlatAndLow() {
        let flat = render(width: 8, height: 1) { Sparkline(values: Array(repeating: 0.0056, count: 8)).render(into: &$0, rect: $0.area) }
        XCTAssertEqual(flat, ["▄▄▄▄▄▄▄▄"], "a flat line sits at half height")
        let jitter = render(width: 6, height: 1) { Sparkline(values: [0.0056, 0.0057, 0.0055, 0.0056, 0.0058, 0.0056]).render(into: &$0, rect: $0.area) }
        XCTAssertEqual(Set(jitter[0]).count, 1, "2 % jitter is not drawn as a trend: \(jitter)")
    }

    func testSparklineASCII() {
        let lines = render(width: 9, height: 1, glyphs: .ascii) { Sparkline(values: [0, 1, 2, 3, 4, 5, 6, 7, 8]).render(into: &$0, rect: $0.area) }
        XCTAssertEqual(lines, [" .:-=+*#@"])
    }

    func testBlockMapOneCellPerBlock() {
        let map = BlockMap(owners: [1, 1, nil, 2, nil, nil])
        XCTAssertEqual(map.usagePercent, 50)
        var buffer = ScreenBuffer(width: 3, height: 2)
        map.render(into: &buffer, rect: buffer.area)
        XCTAssertEqual(buffer.lines(), ["██·", "█··"])
        XCTAssertEqual(buffer[0, 0].style.foreground, Palette.owner(1))
        XCTAssertEqual(buffer[0, 1].style.foreground, Palette.owner(2))
        XCTAssertNotEqual(Palette.owner(1), Palette.owner(2))
        XCTAssertTrue(buffer[2, 0].style.isDim, "free blocks are dim")
    }

    func testBlockMapLabelledWithoutColourAndAggregated() {
        // 12 blocks in 6 cells: two blocks per cell, a cell shows the first owner among its blocks.
        let owners: [Int?] = [7, 7, nil, 7, nil, nil, 35, nil, nil, nil, 12, 12]
        let lines = render(width: 3, height: 2) { BlockMap(owners: owners, isLabelled: true).render(into: &$0, rect: $0.area) }
        XCTAssertEqual(lines, ["77·", "z·c"])
    }

    func testTableTruncatesWithEllipsisAndRightAlignsNumbers() {
        let table = Table(columns: [TableColumn("user", width: 5), TableColumn("gen", width: 4, isRightAligned: true)],
                          rows: [["alexandra", "12"], ["bo", "1234567"]])
        let lines = render(width: 12, height: 3) { table.render(into: &$0, rect: $0.area) }
        XCTAssertEqual(lines, ["user   gen  ", "alex…   12  ", "bo    123…  "])
    }

    func testTableScrollsToKeepSelectionVisible() {
        let rows: [[TableCell]] = (0..<10).map { [.plain("row\($0)")] }
        let table = Table(columns: [TableColumn("name", width: 5)], rows: rows, selectedRow: 7)
        var buffer = ScreenBuffer(width: 5, height: 4)
        table.render(into: &buffer, rect: buffer.area)
        XCTAssertEqual(buffer.lines(), ["name ", "row5 ", "row6 ", "row7 "])
        XCTAssertTrue(buffer[0, 3].style.isReverse)
        XCTAssertFalse(buffer[0, 2].style.isReverse)
    }

    func testBoxWithCJKTitleKeepsBordersAligned() {
        let lines = render(width: 10, height: 3) { buffer in
            let inner = Box(title: "用户").framing(into: &buffer, rect: buffer.area)
            buffer.put("中文字符串太长", x: inner.x, y: inner.y, maxWidth: inner.width)
        }
        XCTAssertEqual(lines, ["┌ 用户 ──┐", "│中文字符│", "└────────┘"])
        for line in lines { XCTAssertEqual(line.terminalWidth, 10) }
    }

    func testTextViewWrapsAtSpacesAndFollowsTail() {
        XCTAssertEqual(TextView.wrap("once upon a time there", width: 9), ["once upon", "a time", "there"])
        XCTAssertEqual(TextView.wrap("abcdefghij", width: 4), ["abcd", "efgh", "ij"])
        XCTAssertEqual(TextView.wrap("a\nb", width: 4), ["a", "b"])
        let lines = render(width: 9, height: 2) { TextView(text: "once upon a time there").render(into: &$0, rect: $0.area) }
        XCTAssertEqual(lines, ["a time   ", "there    "])
    }

    func testTooSmallScreenSaysWhatItHasAndNeeds() {
        var buffer = ScreenBuffer(width: 60, height: 15)
        TooSmallScreen(width: 60, height: 15).render(into: &buffer, rect: buffer.area)
        let line = buffer.lines()[7]
        XCTAssertEqual(line.trimmingCharacters(in: " "), "terminal too small: have 60×15, need 80×24")
        var ascii = ScreenBuffer(width: 60, height: 15, glyphs: .ascii)
        TooSmallScreen(width: 60, height: 15).render(into: &ascii, rect: ascii.area)
        XCTAssertTrue(ascii.lines().contains { $0.contains("have 60x15, need 80x24") })
    }

    func testTooSmallMessageWrapsOnATinyScreen() {
        var buffer = ScreenBuffer(width: 20, height: 5)
        TooSmallScreen(width: 20, height: 5).render(into: &buffer, rect: buffer.area)
        XCTAssertEqual(buffer.lines().joined().split(separator: " ").joined(separator: " "),
                       "terminal too small: have 20×5, need 80×24")
    }

    func testHelpOverlayListsKeysInsideABox() {
        var buffer = ScreenBuffer(width: 80, height: 24)
        HelpOverlay().render(into: &buffer, rect: buffer.area)
        let text = buffer.lines().joined(separator: "\n")
        XCTAssertTrue(text.contains("q, Ctrl-C"))
        XCTAssertTrue(text.contains("┌ keys "))
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

extension WidgetTests {
    /// The `Widget` contract, for every widget: a frame drawn into `rect` touches nothing outside.
    func testEveryWidgetDrawsOnlyInsideItsRectangle() {
        var line = InputLine()
        line.insert("typed text")
        let widgets: [any Widget] = [
            Box(title: "box"), InputField(line), TextView(text: "some words to wrap"), Sparkline(values: [1, 2, 3]),
            BlockMap(owners: [1, nil, 2], isLabelled: true), TooSmallScreen(width: 1, height: 1), HelpOverlay(),
            Table(columns: [TableColumn("name", width: 20), TableColumn("n", width: 3, isRightAligned: true)],
                  rows: [["a long user name here", "12"], ["b", "3"]], selectedRow: 1),
        ]
        let rect = Rect(x: 2, y: 1, width: 12, height: 4)
        for widget in widgets {
            var buffer = ScreenBuffer(width: 16, height: 6)
            buffer.fill(buffer.area, with: "#")
            widget.render(into: &buffer, rect: rect)
            for y in 0..<buffer.height {
                for x in 0..<buffer.width where !((rect.x..<rect.maxX).contains(x) && (rect.y..<rect.maxY).contains(y)) {
                    XCTAssertEqual(buffer[x, y].text, "#", "\(type(of: widget)) drew at (\(x), \(y))")
                }
            }
        }
    }
}
