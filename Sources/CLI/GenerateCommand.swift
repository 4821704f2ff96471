import ArgumentParser
import Foundation
import Kernels
import Model

/// `pdscope generate`: one prompt, one completion, like llama2.c's `run`.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print a prompt followed by the model's completion (like llama2.c's run).",
        discussion: "Stops at end of sequence (EOS, or BOS as llama2.c-trained models end a story), at --max-tokens, or when the context is full.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The prompt text.") var prompt: String = ""
    @Option(name: .customLong("max-tokens"), help: "Generate at most this many new tokens.") var maxTokens: Int = 256
    @Option(help: "Sampling temperature; 0 = greedy.") var temperature: Float = 0
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0 = off).") var topK: Int = 0
    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass (1 = off).") var topP: Float = 1
    @Option(help: "Sampling seed: the same seed gives the same tokens.") var seed: UInt64 = 0
    @Option(help: "Compute threads.") var threads: Int = 1
    @Flag(help: "Print timings to stderr.") var verbose = false

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be 0 or more") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be 0 or more") }
        guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let model = try modelOptions.load(quiet: !verbose && modelOptions.model == nil ? false : false)
        let params = SamplingParams(temperature: temperature, topK: topK, topP: topP, seed: seed)
        let session = GenerationSession(model: model, threads: ComputeThreads(count: threads))
        let out = FileHandle.standardOutput
        let result = try session.generate(prompt: prompt, maxNewTokens: maxTokens, sampling: params) { text in
            out.write(Data(text.utf8))
        }
        out.write(Data("\n".utf8))
        if verbose {
            printError(String(format: "prompt: %d tokens in %.3f s (%.1f tok/s); generated: %d tokens in %.3f s (%.1f tok/s); stop: %@",
                              result.promptTokens, result.prefillSeconds, Double(result.promptTokens) / max(result.prefillSeconds, 1e-9),
                              result.generatedTokens, result.decodeSeconds, Double(result.generatedTokens) / max(result.decodeSeconds, 1e-9),
                              result.stopReason))
        }
    }
}
