import ArgumentParser
import Dashboard
import Engine
import Foundation
import Model
import Server

/// `pdscope serve --dashboard`: the live dashboard and the API server in one process. API clients
/// appear as users (their `user` field, else their address) beside keyboard input; `L`/`S`/`g`
/// still work. The terminal belongs to the dashboard, so the request log goes to a file. Quitting
/// the dashboard (q, Ctrl-C, SIGTERM) stops the server the way a signal stops a headless one.
enum ServeDashboard {
    static func run(_ command: ServeCommand) throws {
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            throw CLIError("serve --dashboard needs a terminal; run `pdscope serve` without --dashboard for a headless server")
        }
        let config = try command.engineOptions.makeConfig()
        let choice = try ModelLoader.resolve(command.modelOptions.model)
        if let limit = command.modelOptions.maxModelLen, limit < 1 { throw CLIError("--max-model-len must be at least 1, got \(limit)") }
        let slos = try command.engineOptions.makeSLOs()
        let logPath = command.logFile ?? "pdscope-serve.log"
        let log = try ServeLog(path: logPath)
        let terminal: TerminalBackend
        do { terminal = try TerminalBackend() } catch { throw CLIError("\(error)") }
        let loaded: DashboardStartup.Outcome<DashboardSession>
        do { loaded = try DashboardStartup.run(.loading, on: terminal, { try build(command, choice: choice, config: config) }) } catch {
            terminal.stop()
            throw error
        }
        guard case let .done(built) = loaded else {
            terminal.stop()
            if case let .cancelled(exit) = loaded, exit.exitStatus != 0 { throw ExitCode(exit.exitStatus) }
            return
        }
        let model = built.model.model, engine = built.engine
        let identity = ModelIdentityPromise(built.model)
        let recorder = DashboardRecorder(engineNow: { engine.snapshot().time }) { [command] start in
            DashboardRecorder.header(identity: try identity.get(), options: command.engineOptions, config: engine.config, startTime: start)
        }
        // No `rebuild`: the server is bound to this engine, so `c` (another policy) is off here.
        let live = LiveDashboardEngine(engine: engine, recorder: recorder, settings: built.settings, prompts: built.prompts)
        let controller = DashboardController(engine: live, config: LiveDashboardEngine.dashboardConfig(engine: engine, model: model, slos: slos),
                                             settings: built.settings)
        live.addSink(controller.eventSink)
        live.addSink(recorder)
        let name = command.servedModelName ?? ServeCommand.defaultName(built.model)
        let served = ServedEngine(engine: engine, servedModelName: name, renderChat: ServeChat.renderer(for: model))
        var status: [String] = built.notes
        if let path = command.record {
            do { status.append("recording to \(try recorder.start(path: path))"); controller.options.isRecording = true }
            catch { terminal.stop(); throw error }
        }
        engine.start()

        let address = AddressBox()
        let stop = ServerStopHandle()
        let finished = DispatchSemaphore(value: 0)
        Task {
            do {
                try await APIServer.run(settings: command.serveSettings(name: name, modelRoot: built.model.path ?? model.name),
                                        served: served, log: { log.write($0) },
                                        onListening: { host, port in
                                            log.write("listening on http://\(host):\(port)")
                                            address.set("http://\(host):\(port)")
                                        }, stop: stop, handlesSignals: false)
            } catch { address.fail("\(error)") }
            finished.signal()
        }
        switch address.wait(timeout: 30) {
        case .success(let url): status.insert("serving \(name) on \(url) (log: \(logPath))", at: 0)
        case .failure(let message):
            terminal.stop()
            _ = live.shutdown()
            throw CLIError("serve: \(message)")
        }
        controller.options.statusMessage = (status + live.takeNewWarnings()).joined(separator: " · ")

        let exit = DashboardApp(controller: controller).run(on: terminal)
        stop.stop()
        let recordingLine: String?
        switch try DashboardStartup.run(.stopping, on: terminal, { () -> String? in finished.wait(); return live.shutdown() }) {
        case .done(let line): recordingLine = line
        case .cancelled(let second):
            terminal.stop()
            printError("pdscope: stopped at once (second signal); the recording was not closed")
            Foundation.exit(second.exitStatus)
        }
        terminal.stop()
        log.close()
        for note in built.notes { printError("pdscope: \(note)") }
        if let recordingLine { printError("pdscope: \(recordingLine)") }
        printError("pdscope serve: stopped (request log in \(logPath))")
        if exit.exitStatus != 0 { throw ExitCode(exit.exitStatus) }
    }

    /// Runs on the loader thread while the first frame shows (as the dashboard's own start does).
    private static func build(_ command: ServeCommand, choice: ModelLoader.Choice, config: EngineConfig) throws -> DashboardSession {
        let loaded = try ModelLoader.load(choice, maxModelLength: command.modelOptions.maxModelLen)
        var config = config
        var notes = loaded.notes
        if let note = KVSizing.apply(&config, model: loaded.model) { notes.append(note) }
        let engine: Engine
        do { engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: loaded.model)) } catch { throw CLIError("\(error)") }
        let isChat = ChatWiring.renderer(for: loaded.model) != nil
        let settings = LiveDashboardEngine.settings(contextLength: loaded.model.config.contextLength, initialLoadRate: nil, isChat: isChat)
        let (prompts, promptNote) = DashboardPrompts.make(model: loaded.model, maxTokens: settings.maxTokens)
        if let promptNote { notes.append(promptNote) }
        return DashboardSession(model: loaded, engine: engine, startDate: Date(), settings: settings, prompts: prompts, notes: notes)
    }
}

/// The server's address (or its start-up error), handed from the server task to the UI thread.
private final class AddressBox: @unchecked Sendable {
    enum Outcome { case success(String), failure(String) }
    private let condition = NSCondition()
    private var outcome: Outcome?

    func set(_ url: String) { condition.lock(); outcome = .success(url); condition.broadcast(); condition.unlock() }
    func fail(_ message: String) { condition.lock(); if outcome == nil { outcome = .failure(message) }; condition.broadcast(); condition.unlock() }

    func wait(timeout: Double) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { if !condition.wait(until: deadline) { return .failure("the server did not start within \(Int(timeout)) s") } }
        return outcome!
    }
}
