import ArgumentParser
import Engine
import Foundation
import Trace

/// `pdscope bench-headline`: the storm benchmark that the project exists to show.
struct HeadlineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-headline",
        abstract: "The headline benchmark: chat decode ITL p99 during a long-prompt storm, per policy, vs. no long prompts.",
        discussion: """
        A long-prompt-storm workload (chat at --rate plus a prompt of 90-95% of the context every 3-5 s) \
        runs under colocated-fcfs, chunked-prefill and disaggregated. Each policy also runs the chat \
        requests alone, and the table divides the chat decodes' ITL p99 in the storm by their ITL p99 \
        alone. Goal: disaggregated ≤ 1.2× and colocated-fcfs ≥ 5× (a long prefill stalls every decode). \
        The worst chat gap of each storm run is shown with the prefills that ran during it. \
        Six runs in all: about 3 minutes at the default --duration in a release build.

        Examples:
          pdscope bench-headline
          pdscope bench-headline --duration 40 --json
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Engine options (--policy is ignored: every policy runs)") var engineOptions: EngineOptions

    @Option(help: ArgumentHelp("Seconds of arrivals in the storm workload.", valueName: "S"))
    var duration: Double = 20

    @Option(help: ArgumentHelp("Chat requests per second.", valueName: "R"))
    var rate: Double = 1

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard duration.isFinite, duration > 0 else { throw ValidationError("--duration must be a positive number of seconds, got \(duration)") }
        guard rate.isFinite, rate > 0 else { throw ValidationError("--rate must be a positive number of requests per second, got \(rate)") }
        guard duration * rate <= 100_000 else {
            throw ValidationError("--duration \(duration) × --rate \(rate): at most 100,000 chat requests (each policy runs the whole storm)")
        }
    }

    func run() throws {
        try InterruptCatcher.printOutput { progress, flag in (try output(progress: progress, interrupt: flag), flag.isSet) }
    }

    func output(progress: RunProgress.Mode = .off, interrupt: InterruptFlag? = nil) throws -> String {
        let model = try modelOptions.load(quiet: true)
        let bench = HeadlineBenchmark(model: model, config: try engineOptions.makeConfig(), duration: duration, rate: rate,
                                      progress: progress, interrupt: interrupt)
        let rows = try bench.run(log: printError)
        return json ? Self.json(rows, model: model.name, duration: duration) : Self.table(rows, model: model.name, duration: duration)
    }

    static func table(_ rows: [HeadlineBenchmark.Row], model: String, duration: Double) -> String {
        func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }
        var lines = ["Headline: chat decode ITL p99 during a long-prompt storm vs. the same chat alone",
                     "model \(model), \(JSONWriter.format(duration)) s of arrivals, \(rows.first.map { "\($0.chatRequests) chat requests, \($0.longPrompts) long prompts" } ?? "")",
                     ""]
        let header = ["policy", "alone p99", "storm p99", "ratio", "goal", "", "storm p99 w/o 1st gap"]
        var table = [header]
        for row in rows {
            let met = row.goal.isMet(row.ratio).map { $0 ? "met" : "MISSED" } ?? ""
            table.append([row.policy.rawValue, ms(row.isolatedP99), ms(row.stormP99),
                          String(format: "%.2f×", row.ratio), row.goal.text, met,
                          row.stormDecodeP99.isFinite ? ms(row.stormDecodeP99) + String(format: " (%.2f×)", row.stormDecodeP99 / row.isolatedP99) : "-"])
        }
        let widths = (0..<header.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for cells in table {
            lines.append(zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        lines.append("")
        lines.append("(w/o 1st gap: each request's first-to-second-token gap left out; under disaggregated it holds the KV handoff)")
        lines.append("Worst chat gap in each storm run:")
        for row in rows { lines.append("  \(row.policy.rawValue): \(row.worstStall ?? "no gaps")") }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [HeadlineBenchmark.Row], model: String, duration: Double) -> String {
        func number(_ x: Double) -> JSONValue { x.isFinite ? .double(x) : .null }
        let items: [JSONValue] = rows.map { row in
            var o = JSONObject()
            o["policy"] = .string(row.policy.rawValue)
            o["isolated_itl_p99_ms"] = number(row.isolatedP99 * 1000)
            o["storm_itl_p99_ms"] = number(row.stormP99 * 1000)
            o["ratio"] = number(row.ratio)
            o["storm_itl_p99_without_first_gap_ms"] = number(row.stormDecodeP99 * 1000)
            o["goal"] = row.goal == .none ? .null : .string(row.goal.text)
            o["goal_met"] = row.goal.isMet(row.ratio).map { JSONValue.bool($0) } ?? .null
            o["worst_stall"] = row.worstStall.map { .string($0) } ?? .null
            return .object(o)
        }
        var root = JSONObject()
        root["model"] = .string(model)
        root["duration_s"] = .double(duration)
        root["chat_requests"] = .int(rows.first?.chatRequests ?? 0)
        root["long_prompts"] = .int(rows.first?.longPrompts ?? 0)
        root["policies"] = .array(items)
        return JSONWriter.serialize(.object(root))
    }
}
