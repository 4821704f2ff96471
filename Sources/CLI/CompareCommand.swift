import ArgumentParser
import Engine
import Foundation
import Model
import Trace

/// `pdscope compare`: the same workload under several policies, one after the other on the same
/// cores, printed side by side with ratios to the first.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run one workload under several policies and print them side by side with ratios.",
        discussion: """
        Each policy runs on a fresh engine, one after the other, on the same cores (equal hardware). \
        Ratios in the table are against the first policy. FILE is read as by `pdscope replay` \
        (workload, recorded trace, Mooncake .jsonl or Azure .csv).

        Examples:
          pdscope compare Traces/long-prompt-storm.jsonl
          pdscope compare Traces/mixed-day.jsonl --policies chunked-prefill,disaggregated --kv-transfer pool
          pdscope compare Traces/steady-chat.jsonl --limit 20 --json > runs.json
        """)

    @Argument(help: ArgumentHelp("Workload, recorded trace, Mooncake .jsonl or Azure .csv.", valueName: "FILE"))
    var file: String

    @Option(help: ArgumentHelp("Comma-separated policies to run, in order (ratios are against the first).", valueName: "LIST"))
    var policies: String = SchedulingPolicy.allCases.map(\.rawValue).joined(separator: ",")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Engine options (--policy is replaced by each of --policies)") var engineOptions: EngineOptions
    @OptionGroup(title: "Import options (Mooncake and Azure files)") var importFlags: ImportFlags

    @Option(parsing: .unconditional, help: ArgumentHelp("Play arrivals this many times faster.", valueName: "X"))
    var speed: Double = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Run only the first N requests.", valueName: "N"))
    var limit: Int?

    @Flag(help: "Print JSON: {\"runs\": [one run per policy]}.")
    var json = false

    func validate() throws {
        _ = try Self.parsePolicies(policies)
        try FlagBounds.speed(speed)
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// `a,b,c` → policies; unknown or repeated names are one-line errors listing the valid ones.
    static func parsePolicies(_ text: String) throws -> [SchedulingPolicy] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ValidationError("--policies needs at least one policy") }
        let valid = SchedulingPolicy.allCases.map(\.rawValue).joined(separator: ", ")
        var result: [SchedulingPolicy] = []
        for name in names {
            guard let policy = SchedulingPolicy(rawValue: name) else {
                throw ValidationError("--policies: unknown policy '\(name)' (valid: \(valid))")
            }
            guard !result.contains(policy) else { throw ValidationError("--policies: '\(name)' is listed twice") }
            result.append(policy)
        }
        return result
    }

    func run() throws {
        try InterruptCatcher.printOutput { try output(progress: $0, interrupt: $1) }
    }

    /// Runs every policy and returns the table or JSON, and whether an interrupt cut it short.
    func output(progress: RunProgress.Mode = .off, interrupt: InterruptFlag? = nil) throws -> (String, Bool) {
        let order = try Self.parsePolicies(policies)
        var base = try engineOptions.makeConfig()
        let slo = try engineOptions.makeSLOs()
        let (loadedModel, loaded) = try WorkloadInput.loadModelAndWorkload(path: file, model: modelOptions, flags: importFlags, limit: limit)
        if let note = KVSizing.apply(&base, model: loadedModel.model) { printError("note: \(note)") }

        var summaries: [RunSummary] = []
        var interrupted = false
        for policy in order {
            var config = base
            config.policy = policy
            printError("running \(policy.rawValue) (\(loaded.workload.requests.count) requests)…")
            let outcome = try RunWorkload(model: loadedModel.model, config: config, requests: loaded.workload.requests, speed: speed,
                                          slo: slo, progress: progress, interrupt: interrupt).run()
            outcome.warnings.forEach { printError("warning: \($0)") }
            summaries.append(outcome.summary)
            if outcome.wasInterrupted {
                printError("pdscope: interrupted during \(policy.rawValue); showing the runs so far")
                interrupted = true
                break
            }
        }
        let text = json ? RunSummary.json(summaries) : RunSummary.comparison(summaries)
        return (text, interrupted)
    }
}
