import ArgumentParser
import Foundation
import Model

/// `--model`: which GGUF file to run; none means the embedded synthetic model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("GGUF model file (llama architecture; F32/F16/Q8_0/Q4_0).",
        discussion: "Without it pdscope builds its embedded synthetic model in memory (random weights).",
        valueName: "FILE.gguf"))
    var model: String?

    /// Loads the model, or builds the embedded default. Prints a note about synthetic models to stderr.
    func load(quiet: Bool = false) throws -> LlamaModel {
        if let path = model {
            try FileChecks.requireRegularFile(path)
            do { return try LlamaModel(path: path) } catch { throw CLIError("\(error)") }
        }
        let model = try EmbeddedModel.load()
        if !quiet {
            printError("pdscope: using the embedded synthetic model (\(model.name)); its weights are random, so its text is word salad. Load a real model with --model FILE.gguf.")
        }
        return model
    }
}

/// The default model: a synthetic Llama built in memory, sized so that a 2,000-token prompt takes
/// seconds on one core while a decode step takes milliseconds to tens of milliseconds.
enum EmbeddedModel {
    static let shape = SyntheticModel.Shape.pdscopeDefault
    static let seed: UInt64 = 1

    static func load() throws -> LlamaModel {
        let bytes = SyntheticModel.makeGGUF(shape: shape, type: .q8_0, seed: seed)
        return try LlamaModel(file: try GGUFFile(bytes: bytes, name: "embedded-\(shape.rawValue).gguf"))
    }
}
