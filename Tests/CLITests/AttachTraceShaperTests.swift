@testable import Attach
@testable import CLI
import Engine
import XCTest

/// Proxy events → one trace block per finished request, with the spec a replay needs.
final class AttachTraceShaperTests: XCTestCase {
    private func e(_ id: Int, _ t: Double, _ kind: ProxyEvent.Kind) -> ProxyEvent { ProxyEvent(request: id, time: t, kind: kind) }

    func testAFinishedRequestBecomesOneBlockWithItsRealLengths() throws {
        var shaper = AttachTraceShaper()
        XCTAssertEqual(shaper.receive(e(1, 2.0, .arrived(user: "alice", prompt: "Once upon a time", maxTokens: 64))), [])
        _ = shaper.receive(e(1, 2.0, .routed(instance: 0, role: "prefill")))
        _ = shaper.receive(e(1, 2.3, .prefilled(instance: 0, promptTokens: 17)))
        _ = shaper.receive(e(1, 2.3, .routed(instance: 1, role: "decode")))
        _ = shaper.receive(e(1, 2.4, .token(index: 0, text: "Hi")))
        _ = shaper.receive(e(1, 2.5, .token(index: 1, text: "!")))
        XCTAssertEqual(shaper.openCount, 1)
        let block = shaper.receive(e(1, 2.5, .finished(reason: "stop", promptTokens: nil, outputTokens: 2)))
        XCTAssertEqual(shaper.openCount, 0)
        let spec = RequestSpec(arrivalOffset: 2.0, user: "alice", prompt: .synthetic(count: 17, prefixKeys: [], segmentTokens: 512),
                               maxTokens: 2, ignoreEOS: true)
        XCTAssertEqual(block.map(\.time), [2.0, 2.0, 2.0, 2.3, 2.3, 2.4, 2.5, 2.5])
        XCTAssertEqual(block.first?.kind, .arrived(request: 1, spec: spec, promptTokens: 17), "the prefill hop's count when the stream gave none")
        XCTAssertEqual(block[3].kind, .routed(request: 1, instance: 1, role: .decode, reason: "least load"))
        XCTAssertEqual(block[5].kind, .tokenEmitted(request: 1, index: 0, token: -1, text: ""), "texts are not kept")
        XCTAssertEqual(block.last?.kind, .finished(request: 1, reason: .stop, outputTokens: 2))
    }

    func testWithoutUsageThePromptTextIsKeptAndFailuresAreLeftOut() {
        var shaper = AttachTraceShaper()
        _ = shaper.receive(e(1, 0, .arrived(user: "bob", prompt: "hello", maxTokens: 8)))
        _ = shaper.receive(e(2, 0, .arrived(user: "carol", prompt: "x", maxTokens: 8)))
        XCTAssertEqual(shaper.receive(e(2, 1, .failed("upstream answered 500"))), [])
        XCTAssertEqual(shaper.failed, 1)
        let block = shaper.receive(e(1, 1, .finished(reason: "length", promptTokens: nil, outputTokens: 8)))
        guard case let .arrived(_, spec, promptTokens)? = block.first?.kind else { return XCTFail("\(block)") }
        XCTAssertEqual(spec.prompt, .text("hello"))
        XCTAssertEqual(promptTokens, 0)
        XCTAssertEqual(block.last?.kind, .finished(request: 1, reason: .length, outputTokens: 8))
        XCTAssertEqual(shaper.receive(e(9, 3, .finished(reason: "stop", promptTokens: 3, outputTokens: 1))), [], "never seen arriving")
    }
}
