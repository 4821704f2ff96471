@testable import Attach
import XCTest

/// The usage-only chunk the proxy asked for is taken out of a stream whose client did not ask,
/// whatever the network's splits; every other byte passes unchanged.
final class SSEUsageFilterTests: XCTestCase {
    private let token1 = #"data: {"id":"c","object":"text_completion","choices":[{"index":0,"text":" a","finish_reason":null}],"usage":null}"# + "\n\n"
    private let token2 = #"data: {"id":"c","choices":[{"index":0,"text":" b","finish_reason":"length"}]}"# + "\n\n"
    private let usage = #"data: {"id":"c","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}"# + "\n\n"
    private let done = "data: [DONE]\n\n"

    func testDropsOnlyTheUsageChunkAtEverySplit() {
        let stream = Array((token1 + token2 + usage + done).utf8)
        let expected = Array((token1 + token2 + done).utf8)
        for split in [1, 3, 7, 64, stream.count] {
            var filter = SSEUsageFilter()
            var out: [UInt8] = []
            var i = 0
            while i < stream.count {
                out += filter.feed(stream[i..<min(stream.count, i + split)])
                i += split
            }
            out += filter.finish()
            XCTAssertEqual(String(decoding: out, as: UTF8.self), String(decoding: expected, as: UTF8.self), "split \(split)")
        }
    }

    func testCRLFEventsAndAnUnterminatedTailPassThrough() {
        var filter = SSEUsageFilter()
        let crlf = token2.replacingOccurrences(of: "\n", with: "\r\n")
        XCTAssertEqual(String(decoding: filter.feed(Array((crlf + "data: [DO").utf8)), as: UTF8.self), crlf)
        XCTAssertEqual(String(decoding: filter.finish(), as: UTF8.self), "data: [DO")
    }

    func testAChunkWithChoicesAndUsageIsKept() {
        // vLLM's continuous usage stats put usage on token chunks: those carry text and stay.
        let both = #"data: {"choices":[{"index":0,"text":"x"}],"usage":{"prompt_tokens":4,"completion_tokens":1}}"# + "\n\n"
        var filter = SSEUsageFilter()
        XCTAssertEqual(String(decoding: filter.feed(Array(both.utf8)), as: UTF8.self), both)
    }
}
