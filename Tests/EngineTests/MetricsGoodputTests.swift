import TestSupport
import XCTest
@testable import Engine

/// `--goodput` parsing, goodput and SLO attainment, and the histogram-backed distributions.
final class MetricsGoodputTests: XCTestCase {
    func testParsesSpaceCommaAndArgumentForms() throws {
        let spaced = try GoodputSLO(parsing: "ttft:500 tpot:50")
        XCTAssertEqual(spaced, GoodputSLO(ttft: 0.5, tpot: 0.05))
        XCTAssertEqual(try GoodputSLO(parsing: "TTFT:500,e2el:2000"), GoodputSLO(ttft: 0.5, e2el: 2))
        XCTAssertEqual(try GoodputSLO(parsing: ["ttft:500", "tpot:50"]), spaced)
        XCTAssertEqual(spaced.description, "ttft:500 tpot:50")
    }

    func testRejectsBadSpecificationsWithClearErrors() {
        let cases: [(String, GoodputSLOError)] = [
            ("", .empty),
            ("ttft", .malformed("ttft")),
            ("ttft:1:2", .malformed("ttft:1:2")),
            ("itl:50", .unknownMetric("itl")),
            ("ttft:500 ttft:400", .duplicate("ttft")),
            ("tpot:fast", .badValue("tpot", "fast")),
            ("tpot:-5", .badValue("tpot", "-5")),
            ("tpot:0", .badValue("tpot", "0")),
            ("e2el:nan", .badValue("e2el", "nan")),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try GoodputSLO(parsing: text), text) { error in
                XCTAssertEqual(error as? GoodputSLOError, expected, text)
                XCTAssertFalse("\(error)".contains("\n"), "one-line message")
                XCTAssertTrue("\(error)".hasPrefix("goodput: "))
            }
        }
        XCTAssertEqual(GoodputSLOError.unknownMetric("itl").description,
                       "goodput: unknown metric \"itl\"; valid ones are ttft, tpot, e2el")
    }

    /// In the shared script #1 has TTFT 1.0 s and TPOT 0.2 s, #2 TTFT 0.2 s and no TPOT, #3 was rejected.
    func testGoodputAndAttainmentCountOnlyRequestsMeetingEveryObjective() throws {
        let collector = disaggregatedScript().collector()
        let strict = try XCTUnwrap(collector.report(slo: GoodputSLO(parsing: "ttft:500 tpot:250")).goodput)
        XCTAssertEqual(strict.goodCount, 1, "#1 misses TTFT; #2 meets it and has no TPOT to miss")
        assertApprox(strict.requestGoodput, 1 / 1.6)
        assertApprox(strict.sloAttainment, 1.0 / 3, "the rejected request counts as a miss")

        let loose = try XCTUnwrap(collector.report(slo: GoodputSLO(parsing: "ttft:1000 tpot:200.001")).goodput)
        XCTAssertEqual(loose.goodCount, 2, "limits are inclusive")
        assertApprox(loose.sloAttainment, 2.0 / 3)

        let tightTPOT = try XCTUnwrap(collector.report(slo: GoodputSLO(parsing: "tpot:199")).goodput)
        XCTAssertEqual(tightTPOT.goodCount, 1)

        let e2el = try XCTUnwrap(collector.report(slo: GoodputSLO(parsing: "e2el:1599")).goodput)
        XCTAssertEqual(e2el.goodCount, 1, "#1 took 1.6 s end to end")
    }

    func testDistributionStatisticsAndPercentilePrecision() throws {
        // 1 ms … 1000 ms: the true p90 is 900 ms, p99 990 ms, median 500 ms (nearest rank).
        let samples = (1...1000).map { Double($0) / 1000 }
        let stats = MetricsDistribution(samples.shuffled())
        XCTAssertEqual(stats.count, 1000)
        assertApprox(stats.mean, 0.5005)
        assertApprox(stats.min, 0.001)
        assertApprox(stats.max, 1.0)
        assertApprox(stats.std, (Double(1000 * 1000 - 1) / 12).squareRoot() / 1000, accuracy: 1e-9)
        assertPercentile(stats.median, 0.5)
        assertPercentile(stats.p90, 0.9)
        assertPercentile(stats.p99, 0.99)
        assertPercentile(stats.percentile(100), 1.0)
        XCTAssertNotEqual(stats.p90, stats.p99)
    }

    func testDistributionSkipsUndefinedSamples() {
        let stats = MetricsDistribution([.nan, 0.25, .infinity, -0.0])
        XCTAssertEqual(stats.count, 2)
        assertApprox(stats.mean, 0.125)
        XCTAssertNil(MetricsDistribution.empty.median)
        XCTAssertNil(MetricsDistribution.empty.mean)
        XCTAssertEqual(MetricsDistribution.empty.count, 0)
    }
}
