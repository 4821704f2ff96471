import XCTest
@testable import CLI

/// The progress line of long headless runs: an ETA, and a note when arrivals outpace completions
/// (it used to show only `[582/99783 requests] 339.2 tok/s 115.3 s`).
final class ProgressLineTests: XCTestCase {
    typealias Sample = RunProgress.Sample

    /// 100 arrivals a second, 5 completions a second: the backlog grows by 95 a second.
    private let overloaded = (0...10).map { Sample(elapsed: 100 + Double($0), submitted: 10_000 + 100 * $0, done: 500 + 5 * $0) }
    /// Completions keep up with arrivals (a few in flight).
    private let keepingUp = (0...10).map { Sample(elapsed: 100 + Double($0), submitted: 1_000 + 10 * $0, done: 996 + 10 * $0) }

    func testOverloadedRunSaysSoWithTheQueue() {
        let line = RunProgress.line(label: "", total: 99_783, lastArrival: 100, tokens: 33_920, samples: overloaded)
        XCTAssertTrue(line.hasPrefix("[550/99,783 requests] 308.4 tok/s  110.0 s  ETA "), line)
        XCTAssertTrue(line.hasSuffix(" · overloaded: arrivals outpace completions (10,450 queued)"), line)
        // 99,233 left at 5 a second.
        XCTAssertEqual(RunProgress.eta(total: 99_783, lastArrival: 100, samples: overloaded)!, 99_233 / 5.0, accuracy: 1e-6)
        XCTAssertTrue(line.contains("ETA 5 h 30 min"), line)
    }

    func testKeepingUpIsNotOverloadedAndWaitsForTheLastArrival() {
        XCTAssertFalse(RunProgress.isOverloaded(keepingUp))
        let line = RunProgress.line(label: "", total: 2_000, lastArrival: 300, tokens: 0, samples: keepingUp)
        XCTAssertFalse(line.contains("overloaded"), line)
        // 894 left at 10 a second is 89 s, but requests keep arriving until 300 s: 190 s to go.
        XCTAssertEqual(RunProgress.eta(total: 2_000, lastArrival: 300, samples: keepingUp)!, 190, accuracy: 1e-6)
        XCTAssertTrue(line.hasSuffix("ETA 3 min 10 s"), line)
    }

    func testNoCompletionsYetGivesAnUnknownETAAndShortWindowsNoVerdict() {
        let start = [Sample(elapsed: 0.5, submitted: 40, done: 0), Sample(elapsed: 1, submitted: 80, done: 0)]
        XCTAssertNil(RunProgress.eta(total: 100, lastArrival: 1, samples: start))
        XCTAssertFalse(RunProgress.isOverloaded(start), "one second says nothing about a trend")
        XCTAssertTrue(RunProgress.line(label: "chunked-prefill", total: 100, lastArrival: 1, tokens: 0, samples: start)
            .hasPrefix("chunked-prefill [0/100 requests]"))
        XCTAssertTrue(RunProgress.line(label: "", total: 100, lastArrival: 1, tokens: 0, samples: start).hasSuffix("ETA unknown"))
    }
}
