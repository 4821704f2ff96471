import Engine
import Foundation
import Trace

/// `bench-headline`'s text table and JSON.
extension HeadlineCommand {
    static func table(_ result: HeadlineResult) -> String {
        let seconds = HeadlineFormat.seconds
        let runs = result.entries.map(\.storm.count).max() ?? 0
        func spread(_ s: Spread) -> String {
            runs > 1 && s.min.isFinite ? "\(seconds(s.median)) (\(seconds(s.min))–\(seconds(s.max)))" : seconds(s.median)
        }
        func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.1f %%", x * 100) : "-" }
        func rate(_ x: Double) -> String { x.isFinite ? String(format: "%.2f/s", x) : "-" }
        var lines = [
            "Headline: the chat users' gaps and TTFT during a long-prompt storm, per policy on the same \(result.cores) core(s), vs. the same chat alone",
            "model \(result.model), \(JSONWriter.format(result.duration)) s of arrivals, \(result.chatRequests) chat requests, \(result.longPrompts) long prompts; "
                + "\(runs) run\(runs == 1 ? "" : "s") each: median\(runs > 1 ? " (min–max)" : ""); goodput SLO \(result.slo)",
            "decode instances: " + (result.realtimeDecode == nil ? "none ran"
                : result.realtimeDecode == true ? "real-time priority (--realtime-decode: ordinary host tasks cannot preempt a decode step)"
                : result.realtimeDecodeRequested ? "normal priority (--realtime-decode was refused, see the warnings: the host's tasks may stall decode steps)"
                : "normal priority (--no-realtime-decode: the host's tasks may stall decode steps)"),
            "",
            "Storm:",
        ]
        var storm = [["policy", "arrangement", "ITL p99", "ITL p99.9", "worst gap (max ITL)", "gaps > 5× alone median", "TTFT p50", "TTFT p99", "goodput"]]
        for e in result.entries {
            storm.append([e.arrangement.label, e.arrangement.describe(cores: result.cores), spread(e.storm(\.itlP99)),
                          spread(e.storm(\.itlP999)), spread(e.storm(\.itlMax)), percent(e.storm(\.slowGapFraction).median),
                          seconds(e.storm(\.ttftP50).median), seconds(e.storm(\.ttftP99).median), rate(e.storm(\.requestGoodput).median)])
        }
        lines += align(storm)
        lines += ["", "Chat alone:"]
        var alone = [["policy", "ITL p99", "worst gap (max ITL)", "TTFT p50", "TTFT p99", "goodput", "storm p99 / alone p99", "storm p99 w/o 1st gap"]]
        for e in result.entries {
            alone.append([e.arrangement.label, spread(e.isolated(\.itlP99)), spread(e.isolated(\.itlMax)),
                          seconds(e.isolated(\.ttftP50).median), seconds(e.isolated(\.ttftP99).median),
                          rate(e.isolated(\.requestGoodput).median), HeadlineFormat.times(e.ratio),
                          seconds(e.storm(\.itlP99WithoutFirstGap).median)])
        }
        lines += align(alone)
        lines += ["", "Goals (each must hold on every run):"]
        for goal in result.goals {
            let mark = goal.met.map { $0 ? "met   " : "MISSED" } ?? "-     "
            lines.append("  \(mark)  \(goal.text): \(goal.detail)")
        }
        let repeated = result.entries.flatMap { e in e.repeated.map { "  \(e.arrangement.label) \($0)" } }
        if !repeated.isEmpty {
            lines += ["", "Measured again (the host took the thread off the CPU for much of the worst gap; --retries \(result.retries)):"]
            lines += repeated
        }
        let cost = result.ttftCost
        if !cost.isEmpty {
            lines += ["", "What disaggregation costs at equal cores (1 prefill core does every prompt):"]
            lines += cost.map { "  " + $0 }
        }
        lines += ["", "(w/o 1st gap: each request's first-to-second-token gap left out: its first decode step, which waits for the batch it joins)",
                  "Worst chat gap in each storm (the run with the largest):"]
        for e in result.entries { lines.append("  \(e.arrangement.label): \(e.worstStall ?? "no gaps")") }
        return lines.joined(separator: "\n")
    }

    private static func align(_ table: [[String]]) -> [String] {
        let widths = (0..<(table.first?.count ?? 0)).map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    static func json(_ result: HeadlineResult) -> String {
        func ms(_ x: Double) -> JSONValue { x.isFinite ? .double(x * 1000) : .null }
        func number(_ x: Double) -> JSONValue { x.isFinite ? .double(x) : .null }
        let goals = result.goals
        let items: [JSONValue] = result.entries.map { e in
            var o = JSONObject()
            o["policy"] = .string(e.arrangement.policy.rawValue)
            o["arrangement"] = .string(e.arrangement.label)
            if e.arrangement.isColocated { o["colocated_instances"] = .int(e.arrangement.colocatedInstances) }
            o["runs"] = .int(e.storm.count)
            o["isolated_itl_p99_ms"] = ms(e.isolated(\.itlP99).median)
            o["isolated_itl_max_ms"] = ms(e.isolated(\.itlMax).median)
            o["isolated_ttft_p50_ms"] = ms(e.isolated(\.ttftP50).median)
            o["isolated_ttft_p99_ms"] = ms(e.isolated(\.ttftP99).median)
            o["isolated_request_goodput"] = number(e.isolated(\.requestGoodput).median)
            o["storm_itl_p99_ms"] = ms(e.storm(\.itlP99).median)
            o["storm_itl_p999_ms"] = ms(e.storm(\.itlP999).median)
            o["storm_itl_max_ms"] = ms(e.storm(\.itlMax).median)
            o["storm_slow_gap_fraction"] = number(e.storm(\.slowGapFraction).median)
            o["storm_ttft_p50_ms"] = ms(e.storm(\.ttftP50).median)
            o["storm_ttft_p99_ms"] = ms(e.storm(\.ttftP99).median)
            o["storm_request_goodput"] = number(e.storm(\.requestGoodput).median)
            o["ratio"] = number(e.ratio)
            o["storm_itl_p99_without_first_gap_ms"] = ms(e.storm(\.itlP99WithoutFirstGap).median)
            let goal = e.arrangement.colocatedInstances == 1 ? goals.first { $0.subject == e.arrangement.policy.rawValue } : nil
            o["goal"] = goal.map { .string($0.text) } ?? .null
            o["goal_met"] = goal?.met.map { JSONValue.bool($0) } ?? .null
            o["worst_stall"] = e.worstStall.map { .string($0) } ?? .null
            o["repeated_runs"] = .array(e.repeated.map { again in
                var r = JSONObject()
                r["run"] = .int(again.round)
                r["part"] = .string(again.part)
                r["worst_gap_ms"] = ms(again.worstGap)
                r["off_cpu_ms"] = ms(again.offCPU)
                return .object(r)
            })
            // Every run's values, so the spread can be read exactly.
            o["runs_detail"] = .array(zip(e.storm, e.isolated).map { storm, alone in
                var r = JSONObject()
                r["isolated_itl_p99_ms"] = ms(alone.itlP99)
                r["isolated_itl_max_ms"] = ms(alone.itlMax)
                r["storm_itl_p99_ms"] = ms(storm.itlP99)
                r["storm_itl_p999_ms"] = ms(storm.itlP999)
                r["storm_itl_max_ms"] = ms(storm.itlMax)
                r["storm_worst_gap_off_cpu_ms"] = ms(storm.worstGapOffCPU)
                r["storm_slow_gap_fraction"] = number(storm.slowGapFraction)
                r["storm_ttft_p50_ms"] = ms(storm.ttftP50)
                r["storm_ttft_p99_ms"] = ms(storm.ttftP99)
                r["storm_request_goodput"] = number(storm.requestGoodput)
                return .object(r)
            })
            return .object(o)
        }
        var root = JSONObject()
        root["model"] = .string(result.model)
        root["duration_s"] = .double(result.duration)
        root["cores"] = .int(result.cores)
        root["goodput_slo"] = .string(result.slo.description)
        root["chat_requests"] = .int(result.chatRequests)
        root["long_prompts"] = .int(result.longPrompts)
        root["retries"] = .int(result.retries)
        root["decode_realtime"] = result.realtimeDecode.map { JSONValue.bool($0) } ?? .null
        root["policies"] = .array(items)
        root["goals"] = .array(goals.map { g in
            var o = JSONObject()
            o["goal"] = .string(g.text)
            o["met"] = g.met.map { JSONValue.bool($0) } ?? .null
            o["detail"] = .string(g.detail)
            return .object(o)
        })
        root["disaggregation_ttft_cost"] = .array(result.ttftCost.map { .string($0) })
        return JSONWriter.serialize(.object(root))
    }
}
