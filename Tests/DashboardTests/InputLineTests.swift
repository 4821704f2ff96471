import XCTest
@testable import Dashboard

final class InputLineTests: XCTestCase {
    func testInsertMoveAndDeleteByGrapheme() {
        var line = InputLine()
        line.insert("héllo 日本👍")
        XCTAssertEqual(line.cursor, 9)
        line.backspace()
        XCTAssertEqual(line.text, "héllo 日本")
        line.moveHome(); line.moveRight(); line.deleteForward()
        XCTAssertEqual(line.text, "hllo 日本")
        line.insert("e\u{301}")
        XCTAssertEqual(line.text, "he\u{301}llo 日本")
        XCTAssertEqual(line.cursor, 2)
        line.moveEnd(); line.moveLeft(); line.insert("x")
        XCTAssertEqual(line.text, "he\u{301}llo 日x本")
    }

    func testEdgesDoNothing() {
        var line = InputLine()
        line.backspace(); line.deleteForward(); line.moveLeft(); line.moveRight()
        XCTAssertEqual(line.text, ""); XCTAssertEqual(line.cursor, 0)
    }

    func testPasteTurnsNewlinesIntoSpacesDropsControlsAndIsBounded() {
        var line = InputLine(maxLength: 12)
        line.insert("one\ntwo\r\nthree\u{7}four five")
        XCTAssertEqual(line.text, "one two thre")
        XCTAssertEqual(line.characters.count, 12)
    }

    func testSubmitParsesUserAndClears() {
        var line = InputLine()
        line.insert("  @alice   tell me a story ")
        XCTAssertEqual(line.submit(), InputLine.Submission(user: "alice", text: "tell me a story"))
        XCTAssertTrue(line.isEmpty)
        XCTAssertEqual(InputLine.parse("hello"), InputLine.Submission(user: nil, text: "hello"))
        XCTAssertNil(InputLine.parse("@bob"))
        XCTAssertNil(InputLine.parse("   "))
        XCTAssertEqual(InputLine.parse("@ hi"), InputLine.Submission(user: nil, text: "hi"))
    }

    func testRenderScrollsToKeepCursorVisible() {
        var line = InputLine()
        line.insert("abcdefghij")
        var buffer = ScreenBuffer(width: 5, height: 1)
        InputField(line).render(into: &buffer, rect: buffer.area)
        XCTAssertEqual(buffer.lines(), ["ghij "])
        XCTAssertEqual(InputField(line).cursorColumn(in: buffer.area), 4)
        line.moveHome()
        InputField(line).render(into: &buffer, rect: buffer.area)
        XCTAssertEqual(buffer.lines(), ["abcde"])
        XCTAssertEqual(InputField(line).cursorColumn(in: buffer.area), 0)
    }

    func testRenderCursorColumnCountsWideCharacters() {
        var line = InputLine()
        line.insert("日本x")
        var buffer = ScreenBuffer(width: 10, height: 1)
        let rect = Rect(x: 2, y: 0, width: 8, height: 1)
        InputField(line).render(into: &buffer, rect: rect)
        XCTAssertEqual(buffer.lines(), ["  日本x   "])
        XCTAssertEqual(InputField(line).cursorColumn(in: rect), 7)
    }
}
