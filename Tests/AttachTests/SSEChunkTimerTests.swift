import XCTest
@testable import Attach

/// Chunk timing on the lines vLLM 0.32.0 streamed (Fixtures/vllm-0.32-sse-completions-sample.txt).
final class SSEChunkTimerTests: XCTestCase {
    private func sampleEvents() throws -> [String] {
        try Captures.text("vllm-0.32-sse-completions-sample.txt").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("data: ") }
    }

    func testTTFTAtFirstContentChunkThenOneITLPerChunk() throws {
        let events = try sampleEvents()
        XCTAssertEqual(events.count, 5)
        var timer = SSEChunkTimer(start: 10)
        // Bytes split mid-event: nothing counts until the blank line arrives.
        let first = Array((events[0] + "\n\n").utf8)
        XCTAssertEqual(timer.feed(first.prefix(30), at: 10.1), [])
        XCTAssertNil(timer.ttft)
        XCTAssertEqual(timer.feed(first.dropFirst(30), at: 10.145), ["7"])
        XCTAssertEqual(try XCTUnwrap(timer.ttft), 0.145, accuracy: 1e-9)
        XCTAssertEqual(timer.feed(Array((events[1] + "\n\n" + events[2] + "\n\n").utf8), at: 10.2), ["8", " with"])
        XCTAssertEqual(timer.itls.count, 2)
        XCTAssertEqual(timer.itls[0], 0.055, accuracy: 1e-9)
        XCTAssertEqual(timer.itls[1], 0, accuracy: 1e-9, "two chunks in one read are one ITL of zero, as bench serve sees them")
        XCTAssertEqual(timer.finishReason, "length")
        // The usage chunk has empty choices: no token; [DONE] ends it.
        XCTAssertEqual(timer.feed(Array((events[3] + "\r\n\r\n" + events[4] + "\n\n").utf8), at: 10.3), [])
        XCTAssertEqual(timer.chunks, 3)
        XCTAssertEqual(timer.usage?.completion, 60)
        XCTAssertEqual(timer.usage?.prompt, 12)
        XCTAssertTrue(timer.sawDone)
        XCTAssertEqual(timer.text, "78 with")
    }

    func testChatDeltasAndGarbageLines() {
        var timer = SSEChunkTimer(start: 0)
        let chat = #"data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}"#
        XCTAssertEqual(timer.feed(Array((": keep-alive\n\n" + "data: not json\n\n" + chat + "\n\n").utf8), at: 1), ["Hi"])
        XCTAssertEqual(timer.chunks, 1)
        XCTAssertEqual(timer.ttft, 1)
    }
}
