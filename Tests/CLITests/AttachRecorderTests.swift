@testable import Attach
@testable import CLI
import Dashboard
import Engine
import Foundation
import Trace
import XCTest

/// The dashboard's `r` when attached and `--record`: what a recording holds when it starts and
/// stops while requests are open.
final class AttachRecorderTests: XCTestCase {
    func testARecordingHoldsTheRequestsThatBothBeganAndEndedInIt() throws {
        let scraper = Scraper(targets: [AttachTarget.parse("127.0.0.1:9", role: "prefill")!, AttachTarget.parse("127.0.0.1:9", role: "decode")!])
        XCTAssertThrowsError(try AttachDashboardSource(scraper: scraper, recorder: nil).setRecording(true)) { error in
            XCTAssertTrue("\(error)".contains("--listen"), "\(error)")
        }
        let recorder = AttachRecorder(scraper: scraper)
        let source = AttachDashboardSource(scraper: scraper, recorder: recorder)
        func e(_ id: Int, _ t: Double, _ kind: ProxyEvent.Kind) { recorder.receive(ProxyEvent(request: id, time: t, kind: kind)) }
        e(1, 0, .arrived(user: "early", prompt: "a", maxTokens: 4))
        let path = NSTemporaryDirectory() + "attach-recorder-\(getpid())-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try recorder.start(path: path), path)
        let t = scraper.now + 1
        e(2, t, .arrived(user: "alice", prompt: "b", maxTokens: 9))
        e(3, t, .arrived(user: "open", prompt: "c", maxTokens: 4))
        e(1, t + 0.5, .finished(reason: "stop", promptTokens: 2, outputTokens: 4))
        e(2, t + 0.5, .token(index: 0, text: "x"))
        e(2, t + 1, .finished(reason: "length", promptTokens: 7, outputTokens: 3))
        let line = try source.setRecording(false)
        XCTAssertTrue(line.hasPrefix("recorded "), line)
        XCTAssertTrue(line.hasSuffix(" (1 request; left out: 1 still open, 1 begun before the recording)"), line)

        let trace = try TraceReader.read(path: path)
        XCTAssertFalse(trace.isTruncated)
        XCTAssertEqual(trace.header.policy, "disaggregated")
        let arrivals = trace.events.compactMap { event -> (Double, RequestSpec)? in
            if case let .arrived(_, spec, _) = event.kind { return (event.time, spec) }
            return nil
        }
        XCTAssertEqual(arrivals.map(\.1.user), ["alice"])
        XCTAssertEqual(arrivals.first?.1.maxTokens, 3)
        XCTAssertEqual(arrivals.first?.1.prompt, .synthetic(count: 7, prefixKeys: [], segmentTokens: 512))
        XCTAssertEqual(arrivals.first?.1.arrivalOffset, arrivals.first?.0, "the spec's arrival counts from the recording's start like t")
        XCTAssertGreaterThan(arrivals.first?.0 ?? 0, 0.9)
        XCTAssertEqual(try source.setRecording(false), "not recording")
    }

    func testTheHeaderNamesTheDeploymentsShape() {
        func policy(_ roles: [String]) -> String {
            let targets = roles.map { _ in AttachTarget.parse("127.0.0.1:9")! }
            let observed = roles.map { ObservedInstance(url: "u", role: $0) }
            return AttachRecorder.header(targets: targets, observed: observed, startTime: Date()).policy
        }
        XCTAssertEqual(policy(["prefill", "decode"]), "disaggregated")
        XCTAssertEqual(policy(["prefill+decode"]), "disaggregated", "one serve running both kinds of instances")
        XCTAssertEqual(policy(["both", "both"]), "chunked-prefill")
        XCTAssertEqual(policy(["prefill"]), "chunked-prefill", "no decode server to hand off to")
    }
}
