import ArgumentParser
import Engine
import Foundation
import Synchronization
import Model
import Server
import Trace

/// `pdscope serve`: the PD engine behind an OpenAI-compatible HTTP server with vLLM's metrics.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "An OpenAI-compatible server (completions, chat, SSE streaming, /metrics) on the PD engine.",
        discussion: """
        Endpoints: POST /v1/completions, POST /v1/chat/completions (stream or not), GET /v1/models, \
        /health, /version, /metrics (Prometheus text with vLLM v1's names, one series per instance: \
        labels model_name, engine, role). Request fields: model, prompt / messages, max_tokens / \
        max_completion_tokens, temperature, top_p, top_k, seed, stop, stream, \
        stream_options.include_usage, ignore_eos, user (default: the client's address).
        Logs `listening on http://HOST:PORT` and one line per request on stderr (--port 0 picks a \
        free port). SIGINT or SIGTERM: stop accepting, end open streams as aborted, flush the \
        recording, exit 0.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var engineOptions: EngineOptions
    @Option(name: .customLong("served-model-name"), help: ArgumentHelp("The model id clients send and /v1/models lists (default: the model file's name without .gguf, or \"pdscope-synthetic\").", valueName: "NAME"))
    var servedModelName: String?
    @Option(help: "Address to listen on (loopback by default).") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 = any free port).") var port = 8000
    @Option(help: ArgumentHelp("Record the session's trace to this file (a `replay`able JSON Lines trace).", valueName: "FILE.jsonl"))
    var record: String?
    @Option(name: .customLong("api-key"), help: ArgumentHelp("Require `Authorization: Bearer KEY` on /v1 requests.", valueName: "KEY"))
    var apiKey: String?
    @Option(name: .customLong("log-file"), help: ArgumentHelp("Write the per-request log here instead of stderr (with --dashboard: default pdscope-serve.log).", valueName: "FILE"))
    var logFile: String?
    @Flag(help: "Run the live dashboard in this terminal too: API clients appear as users beside keyboard input (L, S, g still work).")
    var dashboard = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty") }
        if let name = servedModelName, name.isEmpty { throw ValidationError("--served-model-name must not be empty") }
    }

    func run() throws {
        if dashboard { return try ServeDashboard.run(self) }
        let log = try ServeLog(path: logFile)
        var config = try engineOptions.makeConfig()
        let loaded = try modelOptions.loadWithSource()
        let model = loaded.model
        for note in loaded.notes { printError("pdscope: \(note)") }
        if let note = KVSizing.apply(&config, model: model) { printError("pdscope: \(note)") }
        let engine: Engine
        do { engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model)) } catch { throw CLIError("\(error)") }
        var writer: TraceWriter?
        if let record {
            writer = try ReplayRecording.makeWriter(path: record, model: loaded, config: config,
                                                    settings: engineOptions.settings(of: config))
        }
        let name = servedModelName ?? Self.defaultName(loaded)
        let served = ServedEngine(engine: engine, servedModelName: name, renderChat: ChatWiring.serveRenderer(for: model))
        if let writer { engine.addSink(writer) }
        for warning in engine.warnings { printError("pdscope: warning: \(warning)") }
        engine.start()

        let settings = serveSettings(name: name, modelRoot: loaded.path ?? model.name)
        let outcome = ServeOutcome()
        let finished = DispatchSemaphore(value: 0)
        Task {
            do {
                try await APIServer.run(settings: settings, served: served, log: { log.write($0) },
                                        onListening: { host, port in printError("listening on http://\(host):\(port)") })
            } catch { outcome.set("\(error)") }
            finished.signal()
        }
        finished.wait()
        engine.shutdown()   // already done by a clean stop; ends the engine if the server failed
        log.close()
        if let writer {
            writer.close()
            if let problem = writer.writeError { printError("pdscope: \(record!): \(problem)") }
            else { printError("recorded \(writer.writtenEventCount) events to \(record!)") }
        }
        if let message = outcome.message { throw CLIError("serve: \(message)") }
        printError("pdscope serve: stopped")
    }

    func serveSettings(name: String, modelRoot: String) -> ServeSettings {
        var settings = ServeSettings(servedModelName: name, modelRoot: modelRoot, version: pdscopeVersion)
        settings.host = host
        settings.port = port
        settings.apiKey = apiKey
        return settings
    }

    /// A catalog model's name (`smollm2`), else the file's name without `.gguf`, else
    /// "pdscope-synthetic" for the embedded model.
    static func defaultName(_ loaded: LoadedModel) -> String {
        if case .file(_, let catalog?) = loaded.source { return catalog.name }
        guard let path = loaded.path else { return "pdscope-synthetic" }
        let file = (path as NSString).lastPathComponent
        return file.hasSuffix(".gguf") ? String(file.dropLast(5)) : file
    }
}

/// The server task's error, handed to the main thread.
private final class ServeOutcome: Sendable {
    private let stored = Mutex<String?>(nil)
    func set(_ message: String) { stored.withLock { $0 = message } }
    var message: String? { stored.withLock { $0 } }
}

/// The per-request log: stderr, or a file when something else owns the terminal.
final class ServeLog: Sendable {
    /// Locked so that lines from concurrent requests never interleave.
    private let handle: Mutex<FileHandle>

    init(path: String?) throws {
        guard let path else { handle = Mutex(FileHandle.standardError); return }
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw CLIError("\(path): cannot write the log file")
        }
        handle = Mutex(file)
    }

    func write(_ line: String) {
        let stamp = String(format: "%.3f", Date().timeIntervalSince1970)
        handle.withLock { $0.write(Data("[\(stamp)] \(line)\n".utf8)) }
    }

    func close() { handle.withLock { if $0 !== FileHandle.standardError { try? $0.close() } } }
}
