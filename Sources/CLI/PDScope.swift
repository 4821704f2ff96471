import ArgumentParser
import Foundation

/// The `pdscope` command: the dashboard by default, and the subcommands for headless work.
public struct PDScope: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pdscope",
        abstract: "Watch, live, how an LLM server schedules prefill and decode.",
        discussion: """
        pdscope runs a real, small, quantized Llama model on this machine's CPU cores: prefill and \
        decode on separate pinned cores standing in for separate GPUs, each with its own paged KV \
        cache, and the baselines they are compared with (colocated FCFS, chunked prefill).

        Without --model it runs SmolLM2-135M-Instruct when it is in the model cache (`bash .ci/setup` \
        fetches it; `pdscope models` lists the cache), else an embedded synthetic model (random \
        weights, built in memory), saying so. --model NAME picks a cached model by name (smollm2), \
        --model synthetic the embedded one, --model FILE.gguf any llama GGUF file; --max-model-len N \
        caps the context served (default: the model's, at most 4096).

        Engine options (--policy, --route, --kv-transfer, cores, KV sizes, ...) are listed in \
        `pdscope help dashboard`, `pdscope help replay` and `pdscope help compare`. \
        `pdscope serve` runs the engine behind an OpenAI-compatible HTTP server with vLLM's \
        Prometheus metrics (`pdscope help serve`).

        Exit status (every command): 0 success; 1 an error you can fix (a bad flag or value, a \
        missing, unreadable or malformed file), explained in one line on stderr; 130, 143 or 129 \
        when stopped by Ctrl-C, SIGTERM or SIGHUP (128 + the signal).
        """,
        version: pdscopeVersion,
        subcommands: [
            DashboardCommand.self,
            GenerateCommand.self, TokenizeCommand.self, ModelsCommand.self, InspectCommand.self, ConvertLlama2cCommand.self,
            SynthCommand.self,
            BenchModelCommand.self, BenchKernelsCommand.self,
            WorkloadCommand.self, ReplayCommand.self, CompareCommand.self, ImportCommand.self, ExportCommand.self,
            ServeCommand.self, AttachCommand.self, HeadlineCommand.self, DashboardBenchCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )
    public init() {}
}

/// Version string written into traces and `--version`.
public let pdscopeVersion = "0.1.0"

/// A failure the user caused or can fix: printed as one line on stderr, exit status 1 (see ExitStatus.swift).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Writes a line to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
