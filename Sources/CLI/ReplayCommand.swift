import ArgumentParser
import Engine
import Foundation
import Model
import Trace

/// `pdscope replay`: runs a workload headless on the real engine and prints its summary.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a workload, recorded session or public trace headless and print the summary.",
        discussion: """
        FILE is a pdscope workload (see `pdscope workload`), a session trace recorded with --record, \
        or a Mooncake .jsonl / Azure .csv trace, imported on the fly (with the --length-scale, \
        --output-scale, --time-scale, --start, --duration and --limit flags of `pdscope import`). \
        Requests are submitted at their arrival offsets; a progress line shows on stderr when it is a \
        terminal. Ctrl-C stops submitting, ends the run cleanly and closes the --record file.

        Examples:
          pdscope replay Traces/long-prompt-storm.jsonl --policy colocated-fcfs
          pdscope replay Traces/steady-chat.jsonl --speed 2 --json > run.json
          pdscope replay mooncake.jsonl --length-scale 0.05 --time-scale 2 --limit 50
          pdscope replay Traces/mixed-day.jsonl --goodput "ttft:2000 tpot:100"
          pdscope replay Traces/steady-chat.jsonl --record session.jsonl
        """)

    @Argument(help: ArgumentHelp("Workload, recorded trace, Mooncake .jsonl or Azure .csv.", valueName: "FILE"))
    var file: String

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Engine options") var engineOptions: EngineOptions
    @OptionGroup(title: "Import options (Mooncake and Azure files)") var importFlags: ImportFlags

    @Option(parsing: .unconditional, help: ArgumentHelp("Play arrivals this many times faster (2 = twice as fast).", valueName: "X"))
    var speed: Double = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Replay only the first N requests.", valueName: "N"))
    var limit: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Record the session to this trace file (JSON Lines).", valueName: "OUT.jsonl"))
    var record: String?

    @Flag(help: "Print the summary as JSON: {\"runs\": [one run]} with vLLM bench-serve key names.")
    var json = false

    func validate() throws {
        try FlagBounds.speed(speed)
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        try InterruptCatcher.printOutput { try output(progress: $0, interrupt: $1) }
    }

    /// Runs the replay and returns what goes to stdout (stderr gets notes, warnings, progress),
    /// and whether it was interrupted.
    func output(progress: RunProgress.Mode = .off, interrupt: InterruptFlag? = nil) throws -> (String, Bool) {
        var config = try engineOptions.makeConfig()
        var slo = try engineOptions.makeSLOs()
        let (loadedModel, loaded) = try WorkloadInput.loadModelAndWorkload(path: file, model: modelOptions, flags: importFlags, limit: limit)
        let model = loadedModel.model
        if let recorded = loaded.recordedPolicy {
            // A recorded session replays under its own settings unless flags say otherwise.
            config = try engineOptions.makeConfig(recorded: loaded.recordedSettings)
            slo = try engineOptions.makeSLOs(recorded: loaded.recordedSettings)
            printError("note: replaying \(loaded.workload.requests.count) requests recorded under \(recorded); now under \(config.policy.rawValue), route \(config.route.rawValue), KV \(config.kvTransfer.rawValue) (flags override the recorded settings)")
        }
        if let note = KVSizing.apply(&config, model: model) { printError("note: \(note)") }

        var writer: TraceWriter?
        if let record {
            var settings = engineOptions.settings(of: config)
            settings["speed"] = JSONWriter.format(speed)
            settings["workload"] = file
            writer = try ReplayRecording.makeWriter(path: record, model: loadedModel, config: config, settings: settings)
        }
        let job = RunWorkload(model: model, config: config, requests: loaded.workload.requests, speed: speed, slo: slo,
                              sinks: writer.map { [$0] } ?? [], progress: progress, interrupt: interrupt)
        let outcome: RunWorkload.Outcome
        do { outcome = try job.run() } catch { writer?.close(); throw error }
        if let writer {
            writer.close()
            if let problem = writer.writeError { printError("pdscope: \(record!): \(problem)") }
            else { printError("recorded \(writer.writtenEventCount) events to \(record!)") }
        }
        outcome.warnings.forEach { printError("warning: \($0)") }
        if outcome.wasInterrupted {
            printError("pdscope: interrupted: \(outcome.notSubmitted) requests not submitted, open requests aborted")
        }
        var text = json ? RunSummary.json([outcome.summary]) : outcome.summary.text()
        if !json, let recorded = loaded.recordedEvents {
            text += ReplayComparison.text(recorded: recorded, replay: outcome.collector)
        }
        return (text, outcome.wasInterrupted)
    }
}
