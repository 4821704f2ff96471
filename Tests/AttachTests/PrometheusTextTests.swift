import XCTest
@testable import Attach

/// The text-format parser on real captures and on broken input.
final class PrometheusTextTests: XCTestCase {
    func testRealVLLMPageParsesWithoutCreatedSeries() throws {
        let text = try Captures.text(Captures.vllmSingle)
        XCTAssertTrue(text.contains("_created{"), "the capture has _created series to skip")
        let page = try PrometheusText.parse(text)
        XCTAssertFalse(page.samples.contains { $0.name.hasSuffix("_created") })
        XCTAssertEqual(page.total("vllm:num_requests_running"), 4)
        XCTAssertEqual(page.series("vllm:num_requests_waiting_by_reason").count, 2)
        let info = try XCTUnwrap(page.series("vllm:cache_config_info").first)
        XCTAssertEqual(info.labels["num_gpu_blocks"], "364")
        XCTAssertEqual(info.labels["kv_cache_memory_bytes"], "1073741824")
        XCTAssertEqual(page.total("process_resident_memory_bytes"), 7.75266304e+08)
    }

    func testHistogramBucketsAreReadInOrderWithInf() throws {
        let page = try Captures.page(Captures.vllmSingle)
        let ttft = try XCTUnwrap(page.histogram("vllm:time_to_first_token_seconds"))
        XCTAssertEqual(ttft.count, 5)
        XCTAssertEqual(ttft.sum, 0.6473803520202637, accuracy: 1e-12)
        XCTAssertEqual(ttft.buckets.first?.upperBound, 0.001)
        XCTAssertEqual(ttft.buckets.last?.upperBound, .infinity)
        XCTAssertEqual(ttft.buckets.map(\.upperBound), ttft.buckets.map(\.upperBound).sorted())
        // All five landed in (0.1, 0.25]: the median interpolates halfway into it.
        XCTAssertEqual(try XCTUnwrap(ttft.quantile(0.5)), 0.175, accuracy: 1e-9)
    }

    func testLabelEscapesAndSpecialValues() throws {
        let page = try PrometheusText.parse("""
        # HELP x a metric
        m{a="q\\"uote",b="back\\\\slash",c="new\\nline"} +Inf
        n -Inf 1712345678000
        o NaN
        p{} 1.5e3
        """)
        let m = try XCTUnwrap(page.series("m").first)
        XCTAssertEqual(m.labels, ["a": "q\"uote", "b": "back\\slash", "c": "new\nline"])
        XCTAssertEqual(m.value, .infinity)
        XCTAssertEqual(page.total("n"), -.infinity)
        XCTAssertTrue(try XCTUnwrap(page.total("o")).isNaN)
        XCTAssertEqual(page.total("p"), 1500)
    }

    func testGarbageIsOneLineErrorWithTheLineNumber() {
        XCTAssertThrowsError(try PrometheusText.parse("ok 1\nbad{x=\"1\" 2\n")) { error in
            let e = error as? PrometheusParseError
            XCTAssertEqual(e?.line, 2)
            XCTAssertFalse(e!.description.contains("\n"))
        }
        XCTAssertThrowsError(try PrometheusText.parse("metric twelve\n")) { error in
            XCTAssertTrue("\(error)".contains("bad value 'twelve'"), "\(error)")
        }
        XCTAssertThrowsError(try PrometheusText.parse("<html><body>502 Bad Gateway</body></html>\n"))
        XCTAssertThrowsError(try PrometheusText.parse("# only comments\n# nothing else\n"))
        XCTAssertNoThrow(try PrometheusText.parse(""))
    }

    func testHistogramDeltaAndRestart() {
        let old = CumulativeHistogram(buckets: [(0.1, 2), (0.2, 3), (.infinity, 3)], sum: 0.3, count: 3)
        let new = CumulativeHistogram(buckets: [(0.1, 2), (0.2, 7), (.infinity, 8)], sum: 1.5, count: 8)
        let d = new.delta(since: old)
        XCTAssertEqual(d.buckets.map(\.count), [0, 4, 5])
        XCTAssertEqual(d.count, 5)
        XCTAssertEqual(d.sum, 1.2, accuracy: 1e-12)
        // Median of the delta: rank 2.5 of 4 in (0.1, 0.2] → 0.1 + 0.1 × 2.5/4.
        XCTAssertEqual(try XCTUnwrap(d.quantile(0.5)), 0.1625, accuracy: 1e-12)
        // p99 falls in +Inf: the highest finite bound answers.
        XCTAssertEqual(d.quantile(0.99), 0.2)
        // A server restart (counts went down): the new scrape is the increase.
        XCTAssertEqual(old.delta(since: new), old)
        XCTAssertNil(CumulativeHistogram(buckets: [(1, 0), (.infinity, 0)], sum: 0, count: 0).quantile(0.5))
    }
}
