import ArgumentParser
import Engine
import Foundation
import Kernels
import Model
import Trace

/// `pdscope generate`: one prompt, one completion, like llama2.c's `run`.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print a prompt followed by the model's completion (like llama2.c's run).",
        discussion: """
        The prompt is sent as written: special tokens in it (<|im_start|>) are parsed, and BOS goes \
        first only when the model asks for it. With --chat the prompt becomes a user turn in the \
        model's chat template (its default system message included) and only the reply is printed; \
        a model without a usable template says why on stderr and gets the prompt as plain text.

        Stops at an end-of-generation token (EOS, <|im_end|>; or BOS for llama2.c story models), at \
        --max-tokens, or when the context is full. --json prints one line: {"model", "prompt_ids", \
        "ids", "text", "finish_reason": "stop"|"length"} (text is the completion alone).
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The prompt text.") var prompt: String?
    @Option(name: .customLong("prompt-file"), help: ArgumentHelp("Read the prompt from this file, bytes exactly (- = standard input); for prompts too long for the command line.", valueName: "FILE"))
    var promptFile: String?
    @Flag(help: "Wrap the prompt as a user turn in the model's chat template.") var chat = false
    @Option(name: .customLong("max-tokens"), help: "Generate at most this many new tokens (at least 1).") var maxTokens: Int = 256
    @Option(help: "Sampling temperature; 0 = greedy.") var temperature: Float = 0
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0 = off).") var topK: Int = 0
    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass (1 = off).") var topP: Float = 1
    @Option(help: "Sampling seed: the same seed gives the same tokens.") var seed: UInt64 = 0
    @Option(help: "Compute threads.") var threads: Int = 1
    @Option(name: .customLong("kv-cache-type"), help: ArgumentHelp("KV cache element: f16 (default, as llama.cpp's) or f32 (llama.cpp's type_k=0, which the golden tests compare with).", valueName: "TYPE")) var kvCacheType: KVCacheType = .f16
    @Flag(help: "Print one JSON line with the prompt's and the completion's token ids instead of streaming text.") var json = false
    @Flag(help: "Print timings to stderr.") var verbose = false

    func validate() throws {
        guard prompt == nil || promptFile == nil else { throw ValidationError("give --prompt or --prompt-file, not both") }
        guard maxTokens >= 1 else {
            throw ValidationError("--max-tokens must be at least 1 (to see how a prompt tokenizes, use `pdscope tokenize`)")
        }
        guard temperature >= 0 else { throw ValidationError("--temperature must be 0 or more") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 or more") }
        guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let out = FileHandle.standardOutput
        let last = try execute(stream: { out.write(Data($0.utf8)) }, note: printError)
        out.write(Data((last + "\n").utf8))
    }

    /// Runs the generation. Without --json the text goes to `stream` as it is made and the result
    /// is ""; with --json nothing is streamed and the result is the JSON line. `note` gets
    /// messages for stderr (the chat-template fallback, timings).
    func execute(stream: (String) -> Void, note: (String) -> Void,
                 stdin: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }) throws -> String {
        let model = try modelOptions.load()
        let promptIds = try promptTokens(model, stdin: stdin, note: note)
        let params = SamplingParams(temperature: temperature, topK: topK, topP: topP, seed: seed)
        let session = GenerationSession(model: model, threads: ComputeThreads(count: threads), cacheType: kvCacheType)
        let result: GenerationResult
        do {
            result = try session.generate(promptTokens: promptIds, maxNewTokens: maxTokens, sampling: params,
                                          echoPrompt: !chat && !json) { if !json { stream($0) } }
        } catch let error as GenerationError {
            throw CLIError(error.description)
        }
        if verbose {
            note(String(format: "prompt: %d tokens in %.3f s (%.1f tok/s); generated: %d tokens in %.3f s (%.1f tok/s); stop: %@",
                        result.promptTokens, result.prefillSeconds, Double(result.promptTokens) / max(result.prefillSeconds, 1e-9),
                        result.generatedTokens, result.decodeSeconds, Double(result.generatedTokens) / max(result.decodeSeconds, 1e-9),
                        result.stopReason))
        }
        guard json else { return "" }
        let finish = result.stopReason == "eos" || result.stopReason == "bos" ? "stop" : "length"
        func list(_ ids: [Int32]) -> String { "[" + ids.map(String.init).joined(separator: ", ") + "]" }
        return "{\"model\": \(JSONQuoting.quoted(model.name)), \"prompt_ids\": \(list(promptIds)), \"ids\": \(list(result.tokens)), "
            + "\"text\": \(JSONQuoting.quoted(result.completion)), \"finish_reason\": \"\(finish)\"}"
    }

    /// The prompt's tokens: the text (or file bytes) as is, or as a user turn of the chat template.
    private func promptTokens(_ model: LlamaModel, stdin: () -> Data, note: (String) -> Void) throws -> [Int32] {
        let bytes = try promptFile.map { try TextInput.readBytes($0, flag: "--prompt-file", stdin: stdin) }
            ?? Array((prompt ?? "").utf8)
        guard chat else { return model.tokenizer.encode(utf8: bytes) }
        guard let template = model.chatTemplate else {
            note("pdscope: \(model.chatTemplateProblem ?? "the model has no chat template"); sending the prompt as plain text")
            return model.tokenizer.encode(utf8: bytes)
        }
        do {
            let text = try template.render([ChatMessage(role: "user", content: String(decoding: bytes, as: UTF8.self))],
                                           addGenerationPrompt: true)
            return model.tokenizer.encode(text)
        } catch {
            note("pdscope: the chat template failed (\(error)); sending the prompt as plain text")
            return model.tokenizer.encode(utf8: bytes)
        }
    }
}
