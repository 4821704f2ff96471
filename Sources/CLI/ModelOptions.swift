import ArgumentParser
import Foundation
import Model

/// `--model NAME|FILE` and `--max-model-len N`: which model a command runs and how much of its
/// context it serves. Without `--model`, the cached default (smollm2) or, when it is not cached,
/// the embedded synthetic model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A model name (\(ModelCatalog.names.joined(separator: ", "))) or a GGUF file (llama architecture).",
        discussion: """
        Default: \(ModelCatalog.defaultModel.name) when it is in the model cache (`pdscope models` lists it; \
        `bash .ci/setup` fetches it), else the embedded synthetic model (random weights, built in memory). \
        `--model synthetic` always selects the embedded one.
        """,
        valueName: "NAME|FILE"))
    var model: String?

    @Option(name: .customLong("max-model-len"), help: ArgumentHelp(
        "Longest sequence (prompt + reply) served, in tokens, as vLLM's --max-model-len.",
        discussion: """
        Default: the model's context, capped at \(ModelLoader.defaultMaxModelLength) (SmolLM2 is trained for 8,192; \
        every token of context costs KV memory for each running sequence). At most the model's context.
        """,
        valueName: "N"))
    var maxModelLen: Int?

    /// Loads the model (prints notes to stderr unless `quiet`). `synthetic` makes the embedded
    /// model the default, for benchmarks tuned to it.
    func load(quiet: Bool = false, defaultModel: ModelLoader.Default = .cachedCatalogModel) throws -> LlamaModel {
        let loaded = try loadWithSource(defaultModel: defaultModel)
        if !quiet { loaded.notes.forEach { printError("pdscope: \($0)") } }
        return loaded.model
    }

    /// The model, where it came from and the notes about the choice (for a status line or stderr).
    func loadWithSource(defaultModel: ModelLoader.Default = .cachedCatalogModel) throws -> LoadedModel {
        if let limit = maxModelLen, limit < 1 { throw CLIError("--max-model-len must be at least 1, got \(limit)") }
        let choice = try ModelLoader.resolve(model, defaultModel: defaultModel)
        return try ModelLoader.load(choice, maxModelLength: maxModelLen)
    }
}

/// A model and where it came from, which names it in traces and summaries.
struct LoadedModel {
    var model: LlamaModel
    var source: ModelSource
    /// One-line notes: why this model, what context it serves.
    var notes: [String]

    /// The file it was loaded from (nil for the embedded model).
    var path: String? { if case .file(let path, _) = source { return path }; return nil }
}

/// Where a model comes from.
enum ModelSource: Equatable {
    /// The embedded synthetic model, built in memory from a shape and a seed.
    case embedded
    /// A GGUF file; `catalog` when it is a named model's file.
    case file(path: String, catalog: CatalogModel?)
}

/// The default model: a synthetic Llama built in memory, sized so that a 2,000-token prompt takes
/// seconds on one core while a decode step takes milliseconds to tens of milliseconds.
enum EmbeddedModel {
    static let shape = SyntheticModel.Shape.pdscopeDefault
    static let seed: UInt64 = 1
    /// What names it in traces: it is generated exactly from these.
    static var contentHash: String { "embedded:\(shape.rawValue)-q8_0-seed\(seed)" }

    static func load(maxContextLength: Int? = nil) throws -> LlamaModel {
        let bytes = SyntheticModel.makeGGUF(shape: shape, type: .q8_0, seed: seed)
        return try LlamaModel(file: try GGUFFile(bytes: bytes, name: "embedded-\(shape.rawValue).gguf"),
                              maxContextLength: maxContextLength)
    }
}
