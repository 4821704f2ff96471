import Foundation
import Model

/// Turns `--model NAME|FILE` into a loaded model: names resolve to the model cache, a missing
/// named model is a message saying how to get it, and without `--model` the cached default runs
/// (or, when it is not cached or cannot be loaded, the embedded synthetic model, saying so).
enum ModelLoader {
    /// What runs without `--model`.
    enum Default: Equatable {
        /// The catalog's default model when cached, else the embedded synthetic one.
        case cachedCatalogModel
        /// Always the embedded synthetic model (benchmarks tuned to its speed).
        case synthetic
    }

    /// The resolved `--model`, before loading.
    enum Choice: Equatable {
        /// The embedded model; `reason` says why it was picked when nobody asked for it (and how
        /// to get the default instead).
        case embedded(reason: String?)
        /// A file; `isDefault` when nobody asked for it (then a load failure falls back).
        case file(path: String, catalog: CatalogModel?, isDefault: Bool)
    }

    /// The default cap of `--max-model-len`: long enough for any prompt the dashboard makes,
    /// short enough that a full decode batch of contexts stays within memory.
    static let defaultMaxModelLength = 4096

    /// Resolves the argument; throws a one-line message for a missing file or uncached name.
    static func resolve(_ argument: String?, defaultModel: Default = .cachedCatalogModel,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Choice {
        guard let argument else {
            let entry = ModelCatalog.defaultModel
            if defaultModel == .synthetic { return .embedded(reason: nil) }
            switch ModelCatalog.presence(of: entry, environment: environment) {
            case .cached(let path):
                return .file(path: path, catalog: entry, isDefault: true)
            case .missing:
                return .embedded(reason: "\(entry.name) is not in the model cache (\(ModelCatalog.cacheDirectory(environment: environment))); get it with: \(entry.fetchHint)")
            case .wrongSize(let path, let size):
                return .embedded(reason: "\(path) has \(size) bytes, not \(entry.size) (a partial download?); replace it with: \(entry.fetchHint)")
            }
        }
        if argument.lowercased() == ModelCatalog.syntheticName { return .embedded(reason: nil) }
        if let entry = ModelCatalog.entry(named: argument) {
            switch ModelCatalog.presence(of: entry, environment: environment) {
            case .cached(let path):
                return .file(path: path, catalog: entry, isDefault: false)
            case .missing(let path):
                throw CLIError("model \(entry.name) is not cached (no \(path)); get it with: \(entry.fetchHint)")
            case .wrongSize(let path, let size):
                throw CLIError("model \(entry.name): \(path) has \(size) bytes, expected \(entry.size) (a partial download?); \(entry.fetchHint) replaces it")
            }
        }
        // The wording every command uses for files (FileChecks), with a hint when nothing is there.
        if let problem = RegularFile.problem(at: argument) {
            let hint = problem == "no such file" ? " (--model takes a GGUF file or a name: \(ModelCatalog.names.joined(separator: ", ")))" : ""
            throw CLIError("\(argument): \(problem)\(hint)")
        }
        return .file(path: argument, catalog: ModelCatalog.entry(forFileAt: argument), isDefault: false)
    }

    /// Loads a resolved choice, serving at most `maxModelLength` tokens of context (nil: the
    /// model's own, capped at `defaultMaxModelLength`).
    static func load(_ choice: Choice, maxModelLength: Int?) throws -> LoadedModel {
        switch choice {
        case .embedded(let reason):
            var notes: [String] = []
            if let reason {
                notes.append("using the embedded synthetic model (random weights: its text is word salad): \(reason)")
            }
            let model = try loadEmbedded(maxModelLength: maxModelLength)
            return LoadedModel(model: model, source: .embedded, notes: notes + contextNotes(model, explicit: maxModelLength))
        case .file(let path, let catalog, let isDefault):
            let model: LlamaModel
            do {
                model = try loadFile(path: path, maxModelLength: maxModelLength)
            } catch let error as LengthTooLong {
                throw CLIError(error.message)
            } catch {
                guard isDefault else { throw CLIError("\(error)") }
                // The cached default cannot run here (a build without its tensor types, a damaged
                // file): the synthetic model still shows everything else.
                let reason = "the cached \(catalog?.name ?? path) cannot be loaded (\(error))"
                return try load(.embedded(reason: reason), maxModelLength: maxModelLength)
            }
            var notes: [String] = []
            if isDefault, let catalog { notes.append("\(catalog.name) from the model cache (--model synthetic: the embedded model)") }
            return LoadedModel(model: model, source: .file(path: path, catalog: catalog),
                               notes: notes + contextNotes(model, explicit: maxModelLength))
        }
    }

    private struct LengthTooLong: Error { var message: String }

    private static func loadEmbedded(maxModelLength: Int?) throws -> LlamaModel {
        let trained = EmbeddedModel.shape.config.contextLength
        if let limit = maxModelLength, limit > trained {
            throw CLIError("--max-model-len \(limit) is longer than the embedded model's context (\(trained) tokens)")
        }
        do { return try EmbeddedModel.load(maxContextLength: maxModelLength) } catch { throw CLIError("\(error)") }
    }

    private static func loadFile(path: String, maxModelLength: Int?) throws -> LlamaModel {
        let file = try GGUFFile(path: path)
        let trained = try LlamaConfig(gguf: file).contextLength
        if let limit = maxModelLength, limit > trained {
            throw LengthTooLong(message: "--max-model-len \(limit) is longer than the model's context (\(trained) tokens)")
        }
        let limit = maxModelLength ?? (trained > defaultMaxModelLength ? defaultMaxModelLength : nil)
        return try LlamaModel(file: file, maxContextLength: limit)
    }

    /// A note when the served context is shorter than the model's, by default.
    private static func contextNotes(_ model: LlamaModel, explicit: Int?) -> [String] {
        guard explicit == nil, model.config.contextLength < model.trainedContextLength else { return [] }
        return ["context \(model.config.contextLength) of \(model.trainedContextLength) tokens (--max-model-len)"]
    }
}
