import XCTest
@testable import Trace

final class JSONTests: XCTestCase {
    func testParsesEveryValueTypeAndKeepsKeyOrder() throws {
        let value = try JSONParser.parse(#" {"b": [1, -2.5e3, true, false, null], "a": {"s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}} "#)
        guard case .object(let o) = value else { return XCTFail("not an object") }
        XCTAssertEqual(o.keys, ["b", "a"])
        XCTAssertEqual(o["b"], .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        XCTAssertEqual(o["a"], .object(["s": .string("x\"\\/\u{8}\u{c}\n\r\té😀")]))
    }

    func testRejectsInvalidJSONWithColumns() {
        let cases: [(String, String)] = [
            ("", "unexpected end of line"), ("01", "leading zeros are not allowed"), ("1.", "expected a digit after '.'"),
            ("[1,]", "unexpected character ']'"), (#"{"a" 1}"#, "expected ':' after key 'a'"), ("\"abc", "unterminated string"),
            (#""\ud800""#, "unpaired surrogate in \\u escape"), (#""\x""#, "unknown escape '\\x'"), ("nul", "unexpected character 'n'"),
            ("1 2", "unexpected text after the value"), ("\"a\u{1}\"", "control character inside a string (must be escaped)"),
            ("{\"a\": 1, \"a\": 2}", "duplicate key 'a'"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { error in
                XCTAssertEqual((error as? JSONParseError)?.message, message, text)
            }
        }
        XCTAssertThrowsError(try JSONParser.parse("[1, x]")) { XCTAssertEqual(($0 as? JSONParseError)?.column, 5) }
    }

    func testWriterEscapesAndRoundTrips() throws {
        let value = JSONValue.object(["text": .string("a\"b\\c\nd\u{1}\u{7F}é"), "n": .double(0.1), "i": .int(-3),
                                      "big": .uint64(.max), "f": .float(0.7), "inf": .double(.infinity), "whole": .double(2)])
        let text = JSONWriter.serialize(value)
        XCTAssertEqual(text, #"{"text": "a\"b\\c\nd\u0001\u007fé", "n": 0.1, "i": -3, "big": 18446744073709551615, "f": 0.7, "inf": null, "whole": 2}"#)
        XCTAssertEqual(try JSONParser.parse(text), value)
    }

    func testDoublesRoundTripExactly() throws {
        var random = SeededRandom(seed: 42)
        for _ in 0..<1000 {
            let d = random.uniform(0...1000) * pow(10, Double(random.index(20)) - 10)
            guard case .number(let text) = JSONValue.double(d) else { return XCTFail() }
            XCTAssertEqual(Double(text), d)
        }
    }

    func testLineSplittingTracksTermination() {
        let lines = JSONLines.split(Array("a\r\n\nb\nc".utf8))
        XCTAssertEqual(lines.map(\.text), ["a", "", "b", "c"])
        XCTAssertEqual(lines.map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(lines.map(\.isTerminated), [true, true, true, false])
    }
}
