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

    /// `everyLateGap`: any gap longer than its request's median is a stall, so the comparison of
    /// stall lines does not depend on whether this machine happened to produce a long one.
    private func dashboard(for trace: RecordedTrace, slo: GoodputSLO?, everyLateGap: Bool = false) -> DashboardState {
        var config = DashboardConfig(modelName: "tiny", policy: trace.header.policy, instances: [],
                                     poolBlocks: [:], slo: slo, metricsWindow: nil)
        if everyLateGap { config.stallFactor = 1; config.minimumStall = 0 }
        var state = DashboardState(config: config)
        trace.events.forEach { state.apply($0) }
        return state
    }

    func testDashboardAndSummaryShowTheSameNumbersForOneTrace() throws {
        let slo = try GoodputSLO(parsing: "ttft:5000 tpot:1000 e2el:60000")
        var (trace, printed) = try recordTrace(goodput: slo.description)
        // Whether a thread loses its CPU during the run is up to the machine: say every step lost
        // 2 ms (above the reducer's floor and the 1 ms that stall lines mention, whatever the step
        // took) so both reducers must account for it (the step's end comes after its tokens).
        trace.events = trace.events.map { event in
            guard case let .stepEnded(instance, step, duration, _) = event.kind else { return event }
            return EngineEvent(time: event.time, kind: .stepEnded(instance: instance, step: step, duration: duration,
                                                                  offCPU: 0.002))
        }
        let collector = MetricsCollector()
        trace.events.forEach(collector.receive)
        let summary = collector.report(slo: slo)
        let state = dashboard(for: trace, slo: slo, everyLateGap: true)

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
        XCTAssertTrue(state.stalls.contains { $0.summary.contains("off the CPU for 2.0 ms") }, "\(state.stalls.map(\.summary))")
        for stall in state.stalls {
            let same = gaps.first { $0.request == stall.request && $0.end == stall.time }
            XCTAssertEqual(same?.description, stall.summary)
            XCTAssertEqual(same?.offCPU, stall.offCPU, stall.summary)
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
