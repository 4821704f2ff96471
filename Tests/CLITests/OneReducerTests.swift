import Dashboard
import Engine
import Foundation
import Trace
import XCTest
@testable import CLI

/// The dashboard and the headless summary are one reducer: fed one recorded trace, every number
/// both show is the same.
final class OneReducerTests: HeadlessTestCase {
    /// The greedy workload plus a prompt longer than the tiny model's context, which is rejected.
    static let workloadWithRejection = HeadlessFixtures.greedyWorkload + """
    {"arrival_s": 0.04, "user": "dave", "prompt_tokens": 100000, "max_tokens": 4}

    """

    private func recordTrace(goodput: String?) throws -> (trace: RecordedTrace, json: [String: Any]) {
        let workload = write(Self.workloadWithRejection, to: "w.jsonl")
        let record = directory + "session.jsonl"
        var arguments = ["replay", workload, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4",
                         "--policy", "colocated-fcfs", "--record", record]
        if let goodput { arguments += ["--goodput", goodput] }
        let text = try parse(arguments, as: ReplayCommand.self).output().0
        let run = try XCTUnwrap((try jsonObject(text)["runs"] as? [[String: Any]])?.first)
        return (try TraceReader.read(path: record), run)
    }

    private func dashboard(for trace: RecordedTrace, slo: GoodputSLO?) -> DashboardState {
        var state = DashboardState(config: DashboardConfig(modelName: "tiny", policy: trace.header.policy, instances: [],
                                                           poolBlocks: [:], slo: slo, metricsWindow: nil))
        trace.events.forEach { state.apply($0) }
        return state
    }

    func testDashboardAndSummaryShowTheSameNumbersForOneTrace() throws {
        let slo = try GoodputSLO(parsing: "ttft:5000 tpot:1000 e2el:60000")
        let (trace, printed) = try recordTrace(goodput: slo.description)
        let collector = MetricsCollector()
        trace.events.forEach(collector.receive)
        let summary = collector.report(slo: slo)
        let state = dashboard(for: trace, slo: slo)

        XCTAssertEqual(summary.rejected, 1, "the long prompt is rejected")
        XCTAssertEqual(printed["rejected"] as? Int, 1)
        XCTAssertEqual(state.rejectedCount, summary.rejected)
        XCTAssertEqual(state.completedCount, summary.completed)
        // SLO attainment counts the rejected request as a miss in both (4 good of 5).
        XCTAssertEqual(state.sloAttainment, summary.goodput?.sloAttainment)
        XCTAssertEqual(state.sloAttainment, 0.8)
        XCTAssertEqual(printed["slo_attainment"] as? Double, 0.8)
        XCTAssertEqual(state.freshMetricsReport().goodput?.slo.e2el, 60, "the e2el objective reaches the dashboard")

        let shown = Dictionary(uniqueKeysWithValues: state.metricSummaries.map { ($0.name, $0) })
        for (name, d) in [("ttft", summary.ttft), ("tpot", summary.tpot), ("itl", summary.itl), ("e2el", summary.e2el)] {
            let m = try XCTUnwrap(shown[name])
            XCTAssertEqual(m.count, d.count, name)
            XCTAssertEqual(m.mean, d.mean, name)
            XCTAssertEqual(m.median, d.median, name)
            XCTAssertEqual(m.p99, d.p99, name)
            XCTAssertEqual(m.p999, d.percentile(99.9), name)
            XCTAssertEqual(m.max, d.max, name)
        }
        XCTAssertGreaterThan(shown["itl"]!.count, 20)

        // Every stall the dashboard lists is the reducer's gap with the same causes and words.
        let gaps = collector.stalls(minGap: 0)
        for stall in state.stalls {
            let same = gaps.first { $0.request == stall.request && $0.end == stall.time }
            XCTAssertEqual(same?.description, stall.summary)
        }
    }

    func testWithoutGoodputNeitherAssumesAnSLO() throws {
        let (trace, printed) = try recordTrace(goodput: nil)
        let state = dashboard(for: trace, slo: nil)
        XCTAssertNil(state.sloAttainment)
        XCTAssertTrue(printed["slo_attainment"] is NSNull)
        var buffer = ScreenBuffer(width: 200, height: 60, glyphs: .unicode)
        _ = DashboardView.render(state, options: DashboardViewOptions(), into: &buffer)
        XCTAssertTrue(buffer.lines().contains { $0.contains("SLO - (--goodput") })
    }
}
