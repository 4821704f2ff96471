import XCTest
@testable import Model

final class TokenizerStreamingTests: XCTestCase {
    func testHoldsIncompleteCharactersUntilTheyFinish() {
        var d = StreamingTextDecoder()
        XCTAssertEqual(d.append([0x61, 0xE6]), "a")  // 'a' then the first byte of '日'
        XCTAssertEqual(d.pendingByteCount, 1)
        XCTAssertEqual(d.append([0x97]), "")
        XCTAssertEqual(d.append([0xA5, 0x20]), "日 ")
        XCTAssertEqual(d.pendingByteCount, 0)
        XCTAssertEqual(d.append(Array("😀".utf8).prefix(3)), "")
        XCTAssertEqual(d.append(Array("😀".utf8).suffix(1)), "😀")
    }

    func testInvalidBytesBecomeReplacementCharactersWithoutStalling() {
        var d = StreamingTextDecoder()
        XCTAssertEqual(d.append([0xFF, 0x41]), "\u{FFFD}A")
        XCTAssertEqual(d.append([0x80]), "\u{FFFD}")   // stray continuation byte
        XCTAssertEqual(d.append([0xE6, 0x41]), "\u{FFFD}A")  // character cut short by ASCII
        XCTAssertEqual(d.append([0xF0, 0x9F]), "")
        XCTAssertEqual(d.finish(), "\u{FFFD}")
        XCTAssertEqual(d.pendingByteCount, 0)
    }

    func testStreamingEqualsWholeDecodeOnByteFallbackText() throws {
        let tok = try TokenizerTestSupport.tok512()
        for text in ["日本語 😀 naïve ™", "Once upon a time 🇩🇪"] + TokenizerTestSupport.randomTexts(count: 50, maxWords: 20, seed: 5) {
            let ids = tok.encode(text)
            var d = StreamingTextDecoder()
            var out = ""
            var previous: Int32 = -1
            for id in ids {
                let chunk = tok.appendText(of: id, after: previous, to: &d)
                XCTAssertFalse(chunk.contains("\u{FFFD}"), "a chunk split a character in \(text.debugDescription)")
                out += chunk
                previous = id
            }
            out += d.finish()
            XCTAssertEqual(out, text)
        }
    }
}
