import XCTest
@testable import Dashboard

final class ScreenBufferTests: XCTestCase {
    func testPutClipsToMaxWidthAndBuffer() {
        var buffer = ScreenBuffer(width: 8, height: 2)
        XCTAssertEqual(buffer.put("hello world", x: 1, y: 0, maxWidth: 4), 4)
        buffer.put("abcdefghij", x: 5, y: 1)
        XCTAssertEqual(buffer.lines(), [" hell   ", "     abc"])
    }

    func testWideCharactersTakeTwoCellsAndKeepColumns() {
        var buffer = ScreenBuffer(width: 6, height: 1)
        XCTAssertEqual(buffer.put("中文x", x: 0, y: 0), 5)
        XCTAssertEqual(buffer.lines(), ["中文x "])
        XCTAssertEqual(buffer[1, 0].text, "", "right half of a wide character is a continuation cell")
        XCTAssertEqual(buffer[4, 0].text, "x")
    }

    func testWideCharacterThatDoesNotFitBecomesSpace() {
        var buffer = ScreenBuffer(width: 5, height: 1)
        buffer.fill(buffer.area, with: ".")
        buffer.put("ab中", x: 0, y: 0, maxWidth: 3)
        XCTAssertEqual(buffer.lines(), ["ab ..", ])
    }

    func testOverwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var buffer = ScreenBuffer(width: 4, height: 1)
        buffer.put("中中", x: 0, y: 0)
        buffer.put("x", x: 1, y: 0)
        XCTAssertEqual(buffer.lines(), [" x中"])
        buffer.put("y", x: 2, y: 0)
        XCTAssertEqual(buffer.lines(), [" xy "])
    }

    func testCombiningMarksTakeNoColumn() {
        var buffer = ScreenBuffer(width: 4, height: 1)
        XCTAssertEqual(buffer.put("e\u{301}te", x: 0, y: 0), 3)
        XCTAssertEqual(buffer.lines(), ["e\u{301}te "])
        XCTAssertEqual("e\u{301}".terminalWidth, 1)
        XCTAssertEqual("日本".terminalWidth, 4)
        XCTAssertEqual("👍".terminalWidth, 2)
    }

    func testControlCharactersAreSkipped() {
        var buffer = ScreenBuffer(width: 4, height: 1)
        buffer.put("a\tb\u{1B}c", x: 0, y: 0)
        XCTAssertEqual(buffer.lines(), ["abc "])
    }

    func testASCIIGlyphSetReplacesNonASCII() {
        var buffer = ScreenBuffer(width: 8, height: 1, glyphs: .ascii)
        buffer.put("a·b→中", x: 0, y: 0)
        XCTAssertEqual(buffer.lines(), ["a.b>?   "])
    }

    func testTruncationWithEllipsis() {
        XCTAssertEqual("abcdef".truncated(toWidth: 4), "abc…")
        XCTAssertEqual("abc".truncated(toWidth: 4), "abc")
        XCTAssertEqual("中文字".truncated(toWidth: 4), "中…")
        XCTAssertEqual("12".padded(toWidth: 4, alignRight: true), "  12")
    }

    func testChangesSinceNilIsEverythingAndEqualBuffersHaveNone() {
        var buffer = ScreenBuffer(width: 3, height: 2)
        buffer.put("ab", x: 0, y: 0)
        XCTAssertEqual(buffer.changes(since: nil).map(\.text), ["ab ", "   "])
        XCTAssertEqual(buffer.changes(since: buffer), [])
    }

    func testChangesAreRunsOfChangedCellsWithOneStyle() {
        var old = ScreenBuffer(width: 6, height: 1)
        old.put("abcdef", x: 0, y: 0)
        var new = old
        new.put("XY", x: 1, y: 0)
        new.put("Z", x: 4, y: 0, style: .bold)
        XCTAssertEqual(new.changes(since: old), [
            ScreenChange(x: 1, y: 0, text: "XY", style: .plain),
            ScreenChange(x: 4, y: 0, text: "Z", style: .bold),
        ])
    }

    func testChangedWideCharacterIsRedrawnWhole() {
        var old = ScreenBuffer(width: 4, height: 1)
        old.put("中", x: 1, y: 0)
        var new = old
        new.restyle(Rect(x: 2, y: 0, width: 1, height: 1)) { $0.bolded() }
        let changes = new.changes(since: old)
        XCTAssertEqual(changes.count, 1)
        XCTAssertEqual(changes.first?.x, 1)
        XCTAssertEqual(changes.first?.text, "中")
    }

    func testResizedBufferRedrawsEverything() {
        let old = ScreenBuffer(width: 2, height: 1)
        let new = ScreenBuffer(width: 3, height: 1)
        XCTAssertEqual(new.changes(since: old).count, 1)
    }
}
