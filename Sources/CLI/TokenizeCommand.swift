import ArgumentParser
import Foundation
import Model

/// `pdscope tokenize`: a model's token ids for a text, as llama.cpp's `tokenize(special=true)`.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids a model's tokenizer gives a text.",
        discussion: """
        Special tokens written in the text (<|im_start|>, <|im_end|>) become single tokens, and BOS \
        comes first only when the model asks for it (add_bos_token), as llama.cpp tokenizes prompts. \
        --file reads the file's bytes exactly (- reads standard input). Only the model's metadata is \
        read, not its weights.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The text to tokenize.") var text: String?
    @Option(help: ArgumentHelp("Tokenize this file's bytes exactly (- = standard input).", valueName: "FILE")) var file: String?
    @Flag(help: "Print one JSON object {\"ids\": [...]} instead of one line of ids.") var json = false

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give exactly one of --text and --file") }
    }

    func run() throws {
        print(try output())
    }

    /// What `run` prints (without the final newline).
    func output(stdin: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }) throws -> String {
        let bytes = try text.map { Array($0.utf8) } ?? TextInput.readBytes(file!, flag: "--file", stdin: stdin)
        let ids = try modelOptions.loadTokenizer().encode(utf8: bytes)
        let list = ids.map(String.init).joined(separator: ", ")
        return json ? "{\"ids\": [\(list)]}" : ids.map(String.init).joined(separator: " ")
    }
}

extension ModelOptions {
    /// The model's tokenizer, read from the GGUF metadata only (the weights are not checked or loaded).
    /// `--model` names resolve to the cache as for every command (the default too).
    func loadTokenizer() throws -> Tokenizer {
        guard case .file(let path, _, _) = try ModelLoader.resolve(model) else { return try load(quiet: true).tokenizer }
        try FileChecks.requireRegularFile(path)
        do { return try Tokenizer(gguf: GGUFFile(path: path)) } catch { throw CLIError("\(error)") }
    }
}
