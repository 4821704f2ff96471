import ArgumentParser
import Foundation
import Trace

/// `pdscope export`: a recorded session to a timeline viewer's format.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a recorded session trace to the Chrome trace event format (Perfetto, chrome://tracing).",
        discussion: """
        One track per instance with spans for steps (batch size in args) and prefill chunks, one per \
        KV transfer source, one per user with TTFT and token instants. A recording that was cut short \
        exports the events it holds.

        Examples:
          pdscope replay Traces/long-prompt-storm.jsonl --record session.jsonl
          pdscope export session.jsonl --chrome session.json    # then open it in ui.perfetto.dev
        """)

    @Argument(help: ArgumentHelp("A session trace recorded with --record.", valueName: "FILE.jsonl"))
    var file: String

    @Option(help: ArgumentHelp("Write the Chrome trace event JSON here.", valueName: "OUT.json"))
    var chrome: String

    func run() throws {
        try FileChecks.requireRegularFile(file)
        let trace: RecordedTrace
        do { trace = try TraceReader.read(path: file) } catch { throw CLIError("\(error)") }
        trace.notes.forEach { printError("note: \($0)") }
        do { try ChromeTraceExporter.write(events: trace.events, to: chrome) } catch { throw CLIError("\(error)") }
        print("\(chrome): \(trace.events.count) events of a \(trace.header.policy) session on \(trace.header.model.name)")
    }
}
