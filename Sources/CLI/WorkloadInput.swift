import Engine
import Foundation
import Model
import Trace

/// Reads whatever `replay` and `compare` are given: a pdscope workload, a recorded session trace,
/// or directly a Mooncake `.jsonl` or Azure `.csv` trace (imported on the fly).
///
/// Detection looks at the content first (a CSV header with TIMESTAMP, a JSON line with `format`,
/// a JSON line with `input_length`) and falls back to the extension, so a renamed file still
/// reads; anything else is read as a workload, whose reader gives the clearest error.
enum WorkloadInput {
    enum Kind: Equatable { case workload, trace, azure, mooncake }

    /// What was read, with the lines to print on stderr (notes, import summary).
    struct Loaded {
        var workload: Workload
        var kind: Kind
        var messages: [String]
        /// The policy a recorded session ran under (nil for other files).
        var recordedPolicy: String?
        /// A recorded session's engine settings (its header's, with the policy), to replay under.
        var recordedSettings: [String: String] = [:]
        /// A recorded session's events, to compare a replay with its recording.
        var recordedEvents: [EngineEvent]? = nil
        /// The model a recorded session ran on, or a workload's prompts were made for.
        var recordedModel: ModelIdentity? = nil
    }

    static func detect(bytes: [UInt8], path: String) -> Kind {
        let firstLine = JSONLines.split(bytes).first { !$0.isBlank }?.text ?? ""
        let lowered = firstLine.lowercased()
        if lowered.contains("timestamp") && lowered.contains("contexttokens") { return .azure }
        if firstLine.hasPrefix("{") {
            if firstLine.contains("\"\(TraceHeader.formatName)\"") { return .trace }
            if firstLine.contains("\"format\"") { return .workload }
            if firstLine.contains("\"input_length\"") { return .mooncake }
        }
        return path.lowercased().hasSuffix(".csv") ? .azure : .workload
    }

    /// The start of every headless run: checks that `path` exists before the (slow) model load,
    /// loads the model, then reads the workload and prints its notes to stderr (with one when a
    /// recorded session ran on another model).
    static func loadModelAndWorkload(path: String, model options: ModelOptions, flags: ImportFlags,
                                     limit: Int?) throws -> (LoadedModel, Loaded) {
        try FileChecks.requireRegularFile(path)
        let model = try options.loadWithSource()
        model.notes.forEach { printError("pdscope: \($0)") }
        var loaded = try load(path: path, contextLength: model.model.config.contextLength, flags: flags, limit: limit)
        if let recorded = loaded.recordedModel,
           let note = ModelMismatch.note(recorded: recorded, current: try ReplayRecording.identity(of: model),
                                         verb: loaded.kind == .trace ? "recorded on" : "made for") {
            loaded.messages.append("note: " + note)
        }
        loaded.messages.forEach(printError)
        return (model, loaded)
    }

    /// Reads and, for public traces, imports `path`; `--limit` applies to every kind (first N requests).
    static func load(path: String, contextLength: Int, flags: ImportFlags, limit: Int?) throws -> Loaded {
        try FileChecks.requireRegularFile(path)
        if let limit, limit < 1 { throw CLIError("--limit must be at least 1, got \(limit)") }
        do {
            let bytes = try JSONLines.readBytes(path: path)
            let kind = detect(bytes: bytes, path: path)
            switch kind {
            case .workload, .trace:
                var workload: Workload
                var recordedPolicy: String?
                var recordedEvents: [EngineEvent]?
                var recordedSettings: [String: String] = [:]
                var recordedModel: ModelIdentity?
                if kind == .trace {
                    let trace = try TraceReader.parse(bytes: bytes, path: path)
                    workload = Workload(trace: trace)
                    workload.notes = trace.notes  // they say more than the workload's own note
                    recordedPolicy = trace.header.policy
                    recordedEvents = trace.events
                    recordedSettings = trace.header.settings
                    recordedSettings["policy"] = trace.header.policy
                    recordedModel = trace.header.model
                } else {
                    workload = try WorkloadFile.parse(bytes: bytes, path: path)
                }
                recordedModel = workload.header.model
                var messages = workload.notes.map { "note: \($0)" }
                if let limit, workload.requests.count > limit {
                    messages.append("note: replaying the first \(limit) of \(workload.requests.count) requests (--limit)")
                    workload.requests = Array(workload.requests.prefix(limit))
                }
                return Loaded(workload: workload, kind: kind, messages: messages, recordedPolicy: recordedPolicy,
                              recordedSettings: recordedSettings, recordedEvents: recordedEvents, recordedModel: recordedModel)
            case .azure, .mooncake:
                let options = try flags.makeOptions(contextLength: contextLength, limit: limit)
                let result = kind == .azure
                    ? try AzureImporter.importBytes(bytes, path: path, options: options)
                    : try MooncakeImporter.importBytes(bytes, path: path, options: options)
                let name = kind == .azure ? "Azure" : "Mooncake"
                return Loaded(workload: result.workload, kind: kind,
                              messages: ["imported \(path) (\(name) trace):"] + result.summary.lines.map { "  " + $0 })
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
    }
}
