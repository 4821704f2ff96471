import Engine
import Foundation
import Model
import Trace

/// The trace header of a `replay --record` run: the model's identity, the policy and every engine
/// setting, the cores, and the start time.
enum ReplayRecording {
    /// Opens the trace file (writing its header) for a run of `model` under `config`.
    static func makeWriter(path: String, model: LlamaModel, modelPath: String?, config: EngineConfig,
                           settings: [String: String]) throws -> TraceWriter {
        let header = TraceHeader(pdscopeVersion: pdscopeVersion, model: try identity(of: model, path: modelPath),
                                 policy: config.policy.rawValue, settings: settings,
                                 cores: max(1, Set(config.prefillCores.cores + config.decodeCores.cores).count),
                                 startTime: Date())
        do { return try TraceWriter(path: path, header: header) } catch { throw CLIError("\(error)") }
    }

    /// A file model is named by the SHA-256 of its bytes. The embedded model is built from a
    /// shape and a seed, so those name it exactly; hashing its ~90 MB would only slow the start.
    static func identity(of model: LlamaModel, path: String?) throws -> ModelIdentity {
        let context = model.config.contextLength
        guard let path else {
            return ModelIdentity(name: model.name,
                                 contentHash: "embedded:\(EmbeddedModel.shape.rawValue)-q8_0-seed\(EmbeddedModel.seed)",
                                 contextLength: context)
        }
        do {
            return ModelIdentity(name: model.name, contentHash: try ContentHash.sha256(fileAt: path),
                                 contextLength: context, path: path)
        } catch { throw CLIError("\(error)") }
    }
}
