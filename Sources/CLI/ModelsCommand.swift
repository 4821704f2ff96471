import ArgumentParser
import Engine
import Foundation
import Model
import Trace

/// `pdscope models`: what the model cache holds, whether each file is intact, and how to get more.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models pdscope can name (--model NAME): cached or not, intact or not, how to get them.",
        discussion: """
        The model cache is $PDSCOPE_MODEL_CACHE, else $XDG_CACHE_HOME/pdscope/models, else \
        ~/.cache/pdscope/models. `bash .ci/setup` fetches the default model into it. Each cached file's \
        size and SHA-256 are checked, and whether this pdscope can load it. Without --model, commands \
        run the default model when it is cached and loads, else the embedded synthetic model.

        Examples:
          pdscope models
          pdscope models --json
        """)

    @Flag(help: "Print JSON: {\"cache_dir\", \"default\", \"models\": [{\"name\", \"status\", \"path\", \"size_bytes\", \"sha256_ok\", \"loads\", \"source\", \"get\"}], \"other_files\"}.")
    var json = false

    func run() throws {
        let report = ModelsReport.make()
        print(json ? report.json() : report.text(), terminator: "")
    }
}

/// The cache as `pdscope models` shows it.
struct ModelsReport {
    struct Row {
        var name: String
        /// "cached", "missing", "wrong-size" or "embedded".
        var status: String
        var path: String?
        var size: Int?
        var hashOK: Bool?
        /// Nil when not tried (missing, damaged); else why it does not load, or "" when it does.
        var loadProblem: String?
        var summary: String
        var source: String
        var fetchHint: String?
    }

    var cacheDirectory: String
    var rows: [Row]
    var defaultName: String
    /// `.gguf` files in the cache that no catalog entry names.
    var otherFiles: [String]

    static func make(catalog: [CatalogModel] = ModelCatalog.all,
                     environment: [String: String] = ProcessInfo.processInfo.environment) -> ModelsReport {
        let directory = ModelCatalog.cacheDirectory(environment: environment)
        var rows: [Row] = []
        for entry in catalog {
            var row = Row(name: entry.name, status: "missing", summary: entry.summary, source: entry.source, fetchHint: entry.fetchHint)
            switch ModelCatalog.presence(of: entry, environment: environment) {
            case .missing(let path):
                row.path = path
            case .wrongSize(let path, let size):
                row.status = "wrong-size"; row.path = path; row.size = size; row.hashOK = false
            case .cached(let path):
                row.status = "cached"; row.path = path; row.size = entry.size
                row.hashOK = (try? ContentHash.sha256(fileAt: path)) == "sha256:" + entry.sha256
                do { _ = try LlamaModel(path: path); row.loadProblem = "" } catch { row.loadProblem = "\(error)" }
            }
            rows.append(row)
        }
        rows.append(Row(name: ModelCatalog.syntheticName, status: "embedded", loadProblem: "",
                        summary: "pdscope's synthetic model: random weights built in memory (word salad, real compute), for tests and offline use",
                        source: "built in", fetchHint: nil))
        // What commands run without --model: the default when its size is right and it loads.
        let usable = rows.first { $0.status == "cached" && $0.loadProblem == "" && $0.name == ModelCatalog.defaultModel.name }
        let known = Set(catalog.map(\.fileName))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let others = files.filter { $0.hasSuffix(".gguf") && !known.contains($0) }.sorted().map { directory + "/" + $0 }
        return ModelsReport(cacheDirectory: directory, rows: rows, defaultName: usable?.name ?? ModelCatalog.syntheticName,
                            otherFiles: others)
    }

    func text() -> String {
        var lines = ["model cache: \(cacheDirectory)", ""]
        for row in rows {
            let isDefault = row.name == defaultName ? " (default)" : ""
            var state: String
            switch row.status {
            case "cached":
                state = row.hashOK == true ? "cached, sha256 ok" : "cached, SHA-256 DIFFERS (damaged or another file)"
                if let problem = row.loadProblem, !problem.isEmpty { state += ", cannot be loaded here: \(problem)" }
            case "wrong-size": state = "damaged: \(row.size ?? 0) bytes, expected another size"
            case "missing": state = "not cached"
            default: state = "built in"
            }
            lines.append("\(row.name)\(isDefault): \(state)")
            lines.append("  \(row.summary)")
            if let path = row.path { lines.append("  file: \(path)" + (row.size.map { " (\(ByteCount.text($0)))" } ?? "")) }
            if row.status != "embedded" { lines.append("  source: \(row.source)") }
            if row.status != "cached" || row.hashOK != true, let hint = row.fetchHint { lines.append("  get it: \(hint)") }
        }
        if !otherFiles.isEmpty {
            lines.append("")
            lines.append("other GGUF files in the cache (run them with --model FILE):")
            lines += otherFiles.map { "  \($0)" }
        }
        lines.append("")
        lines.append("Without --model, commands run \(defaultName); --model synthetic always runs the embedded model.")
        return lines.joined(separator: "\n") + "\n"
    }

    func json() -> String {
        func q(_ s: String?) -> String { s.map(JSONQuoting.quoted) ?? "null" }
        func b(_ v: Bool?) -> String { v.map { $0 ? "true" : "false" } ?? "null" }
        let models = rows.map { row in
            let loads: Bool? = row.loadProblem.map { $0.isEmpty }
            return "{\"name\": \(q(row.name)), \"status\": \(q(row.status)), \"path\": \(q(row.path)), "
                + "\"size_bytes\": \(row.size.map(String.init) ?? "null"), \"sha256_ok\": \(b(row.hashOK)), \"loads\": \(b(loads)), "
                + "\"load_error\": \(q(row.loadProblem.flatMap { $0.isEmpty ? nil : $0 })), "
                + "\"summary\": \(q(row.summary)), \"source\": \(q(row.source)), \"get\": \(q(row.fetchHint))}"
        }
        return "{\"cache_dir\": \(q(cacheDirectory)), \"default\": \(q(defaultName)), \"models\": [\(models.joined(separator: ", "))], "
            + "\"other_files\": [\(otherFiles.map(JSONQuoting.quoted).joined(separator: ", "))]}\n"
    }
}
