import ArgumentParser
import Foundation
import Kernels
import Model

/// `pdscope inspect`: what is inside a GGUF file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a GGUF model's architecture, hyper-parameters, tokenizer and tensor table.")

    @Argument(help: ArgumentHelp("The GGUF file, or a cached model's name (smollm2).", valueName: "MODEL.gguf")) var path: String

    func run() throws {
        // Cached models by name, like --model; a file named like a model still wins.
        var target = path
        if !FileManager.default.fileExists(atPath: path), ModelCatalog.entry(named: path) != nil,
           case .file(let cached, _, _) = try ModelLoader.resolve(path) {
            target = cached
        }
        try FileChecks.requireRegularFile(target)
        let file: GGUFFile
        do { file = try GGUFFile(path: target) } catch { throw CLIError("\(error)") }
        print(ModelInspector.report(file), terminator: "")
        print("kernels: \(KernelISA.current.summary), best on this CPU: \(KernelISA.best)")
        if let note = KernelISA.environmentNote { print("note: \(note)") }
    }
}

/// `pdscope convert-llama2c`: llama2.c checkpoints and tokenizers to GGUF.
struct ConvertLlama2cCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert-llama2c",
        abstract: "Convert a llama2.c float32 checkpoint and tokenizer to GGUF.",
        discussion: "Quantization is bit-identical to ggml's reference quantizers. A matrix whose rows are not a multiple of the 32-element block stays F32, as llama.cpp does; the output says which type each tensor got.")

    @Argument(help: ArgumentHelp("llama2.c checkpoint (v0 float32 .bin).", valueName: "CHECKPOINT.bin")) var checkpoint: String
    @Argument(help: ArgumentHelp("llama2.c tokenizer (.bin).", valueName: "TOKENIZER.bin")) var tokenizer: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file.", valueName: "OUT.gguf")) var output: String
    @Option(help: "Weight type: f32, q8_0, q4_0 or q4_1.") var type: String = "f32"

    func run() throws {
        guard let tensorType = TensorType(name: type), tensorType != .f16 else {
            throw CLIError("--type must be f32, q8_0, q4_0 or q4_1, got '\(type)'")
        }
        try FileChecks.requireRegularFile(checkpoint)
        try FileChecks.requireRegularFile(tokenizer)
        do {
            let (writer, notes) = try Llama2cConverter.convert(checkpoint: checkpoint, tokenizer: tokenizer, type: tensorType)
            try writer.write(to: output)
            notes.forEach { print($0) }
            print("wrote \(output)")
        } catch let error as CLIError { throw error } catch { throw CLIError("\(error)") }
    }
}

/// `pdscope synth`: deterministic synthetic Llama models for tests and benchmarks.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic Llama model with seeded random weights.",
        discussion: "Shapes: \(SyntheticModel.Shape.allCases.map(\.rawValue).joined(separator: ", ")). The same shape, type and seed always give the same bytes. The vocabulary decodes to English-like word pieces; general.name says the model is synthetic.")

    @Option(help: "Model shape.") var shape: String = "tiny"
    @Option(help: "Weight type: f32, q8_0, q4_0 or q4_1.") var type: String = "q8_0"
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file.", valueName: "OUT.gguf")) var output: String

    func run() throws {
        guard let s = SyntheticModel.Shape(rawValue: shape) else {
            throw CLIError("unknown shape '\(shape)'; choose one of \(SyntheticModel.Shape.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let t = TensorType(name: type), t != .f16 else { throw CLIError("--type must be f32, q8_0, q4_0 or q4_1, got '\(type)'") }
        let bytes = SyntheticModel.makeGGUF(shape: s, type: t, seed: seed)
        guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else { throw CLIError("\(output): cannot write") }
        print("wrote \(output) (\(bytes.count) bytes, synthetic \(s.rawValue), \(t), seed \(seed))")
    }
}
