import Engine
import Foundation
import Model
import Trace

/// The trace header of a recording (`replay --record`, the dashboard's `r` and `--record`): the
/// model's identity, the policy and every engine setting (`EngineSettings`), the cores, the start.
enum ReplayRecording {
    /// Opens the trace file (writing its header) for a run of `model` under `config`.
    static func makeWriter(path: String, model: LlamaModel, modelPath: String?, config: EngineConfig,
                           settings: [String: String]) throws -> TraceWriter {
        let header = try header(model: model, modelPath: modelPath, config: config, settings: settings, startTime: Date())
        do { return try TraceWriter(path: path, header: header) } catch { throw CLIError("\(error)") }
    }

    /// `settings` are `EngineOptions.settings(of: config)` plus any run-specific keys.
    static func header(model: LlamaModel, modelPath: String?, config: EngineConfig, settings: [String: String],
                       startTime: Date) throws -> TraceHeader {
        TraceHeader(pdscopeVersion: pdscopeVersion, model: try identity(of: model, path: modelPath),
                    policy: config.policy.rawValue, settings: settings, cores: max(1, config.allCores.count),
                    startTime: startTime)
    }

    /// A note when a recorded session was made with another model than `model`.
    static func modelNote(recorded: ModelIdentity, model: LlamaModel, modelPath: String?) -> String? {
        guard let loaded = try? identity(of: model, path: modelPath) else { return nil }
        return EngineSettings.modelMismatch(recorded: recorded, loaded: loaded).map { "note: " + $0 }
    }

    /// A file model is named by the SHA-256 of its bytes. The embedded model is built from a
    /// shape and a seed, so those name it exactly; hashing its ~90 MB would only slow the start.
    static func identity(of model: LlamaModel, path: String?) throws -> ModelIdentity {
        let context = model.config.contextLength
        guard let path else {
            return ModelIdentity(name: model.name,
                                 contentHash: embeddedHash,
                                 contextLength: context)
        }
        do {
            return ModelIdentity(name: model.name, contentHash: try ContentHash.sha256(fileAt: path),
                                 contextLength: context, path: path)
        } catch { throw CLIError("\(error)") }
    }
}

extension ReplayRecording {
    /// The embedded model's identity: built from a shape and a seed, which name it exactly.
    static var embeddedHash: String { "embedded:\(EmbeddedModel.shape.rawValue)-q8_0-seed\(EmbeddedModel.seed)" }
}
