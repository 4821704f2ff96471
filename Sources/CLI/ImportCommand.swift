import ArgumentParser
import Foundation
import Trace

/// `pdscope import`: public traces (Mooncake, Azure) to pdscope workload files.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a public trace (Mooncake .jsonl, Azure .csv) into a pdscope workload.",
        discussion: """
        Public traces come from GPU servers: their prompts are thousands of tokens and their \
        arrivals are dense. Scale them to a small CPU model with --length-scale, --output-scale and \
        --time-scale, pick a window with --start/--duration/--limit; every request is clipped to \
        --context. The summary says what was kept, scaled and clipped. `replay` and `compare` read \
        these traces directly too, with the same flags.

        Examples:
          pdscope import mooncake conversation_trace.jsonl --length-scale 0.05 --limit 100 -o mooncake.jsonl
          pdscope import azure AzureLLMInferenceTrace_conv.csv --length-scale 0.1 --time-scale 4 --duration 60 -o azure.jsonl
        """,
        subcommands: [ImportMooncakeCommand.self, ImportAzureCommand.self])
}

/// The arguments shared by both import formats.
struct ImportArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("The trace file.", valueName: "FILE"))
    var file: String

    @OptionGroup var flags: ImportFlags

    @Option(help: ArgumentHelp("Import at most N requests.", valueName: "N"))
    var limit: Int?

    @Option(help: ArgumentHelp("The model's context length: prompt + output are clipped to it.", valueName: "N"))
    var context: Int = ShippedWorkload.contextLength

    @Option(name: .shortAndLong, help: ArgumentHelp("Output workload file.", valueName: "OUT.jsonl"))
    var output: String

    /// Imports with `importer`, writes the workload, returns the summary lines.
    func run(format: String, importer: (String, ImportOptions) throws -> ImportResult) throws -> [String] {
        try FileChecks.requireRegularFile(file)
        let options = try flags.makeOptions(contextLength: context, limit: limit)
        let result: ImportResult
        do { result = try importer(file, options) } catch { throw CLIError("\(error)") }
        do { try WorkloadFile.write(result.workload, to: output) } catch { throw CLIError("\(output): \(error)") }
        return result.summary.lines + ["wrote \(result.workload.requests.count) requests to \(output)"]
    }
}

/// `pdscope import mooncake`.
struct ImportMooncakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mooncake",
        abstract: "Import a Mooncake trace (JSON Lines: timestamp ms, input_length, output_length, hash_ids).",
        discussion: "Requests sharing hash ids (512-token blocks, scaled by --length-scale) get identical prompt prefixes, so prefix reuse is real.")

    @OptionGroup var arguments: ImportArguments

    func run() throws {
        try arguments.run(format: "mooncake") { try MooncakeImporter.importFile(path: $0, options: $1) }.forEach { print($0) }
    }
}

/// `pdscope import azure`.
struct ImportAzureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "azure",
        abstract: "Import an Azure LLM inference trace (CSV: TIMESTAMP,ContextTokens,GeneratedTokens).")

    @OptionGroup var arguments: ImportArguments

    func run() throws {
        try arguments.run(format: "azure") { try AzureImporter.importFile(path: $0, options: $1) }.forEach { print($0) }
    }
}
