import Engine
import Foundation
import Model
import Trace

/// The trace header of a recording (`replay --record`, the dashboard's `r` and `--record`): the
/// model's identity, the policy and every engine setting (`EngineSettings`), the cores, the start.
enum ReplayRecording {
    /// Opens the trace file (writing its header) for a run of `model` under `config`.
    static func makeWriter(path: String, model: LoadedModel, config: EngineConfig,
                           settings: [String: String]) throws -> TraceWriter {
        let header = header(identity: try identity(of: model), config: config, settings: settings, startTime: Date())
        do { return try TraceWriter(path: path, header: header) } catch { throw CLIError("\(error)") }
    }

    /// `settings` are `EngineOptions.settings(of: config)` plus any run-specific keys.
    static func header(identity: ModelIdentity, config: EngineConfig, settings: [String: String],
                       startTime: Date) -> TraceHeader {
        TraceHeader(pdscopeVersion: pdscopeVersion, model: identity, policy: config.policy.rawValue,
                    settings: settings, cores: max(1, config.allCores.count), startTime: startTime)
    }

    /// A file model is named by the SHA-256 of its bytes (and by its catalog name, `smollm2`, when
    /// it is one). The embedded model is built from a shape and a seed, so those name it exactly;
    /// hashing its ~90 MB would only slow the start. The context is the one served.
    static func identity(of loaded: LoadedModel) throws -> ModelIdentity {
        let model = loaded.model
        let context = model.config.contextLength
        switch loaded.source {
        case .embedded:
            return ModelIdentity(name: model.name, contentHash: EmbeddedModel.contentHash, contextLength: context)
        case .file(let path, let catalog):
            let hash: String
            do { hash = try ContentHash.sha256(fileAt: path) } catch { throw CLIError("\(error)") }
            // A catalog name only for the catalog's bytes: a renamed or different file keeps its own name.
            let name = catalog.map { hash == "sha256:" + $0.sha256 } == true ? catalog!.name : model.name
            return ModelIdentity(name: name, contentHash: hash, contextLength: context,
                                 path: URL(fileURLWithPath: path).standardizedFileURL.path)
        }
    }
}

