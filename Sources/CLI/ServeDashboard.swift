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
        let slos = try command.engineOptions.makeSLOs()
        let choice = try ModelLoader.resolve(command.modelOptions.model)
        let logPath = command.logFile ?? "pdscope-serve.log"
        let log = try ServeLog(path: logPath)
        let terminal: TerminalBackend
        do { terminal = try TerminalBackend() } catch { throw CLIError("\(error)") }
        let loaded: DashboardStartup.Outcome<DashboardSession>
        do {
            loaded = try DashboardStartup.run(.loading, on: terminal) {
                try DashboardSession.load(choice: choice, maxModelLength: command.modelOptions.maxModelLen, config: config, loadRate: nil)
            }
        } catch { terminal.stop(); throw error }
        guard case let .done(built) = loaded else { terminal.stop(); return }
        let model = built.model.model, engine = built.engine

        let identity = ModelIdentityPromise(built.model)
        let recorder = DashboardRecorder(engineNow: { engine.snapshot().time }) { [command] start in
            DashboardRecorder.header(identity: try identity.get(), options: command.engineOptions, config: engine.config, startTime: start)
        }
        // No `rebuild`: the server holds this engine, so `c` cannot switch policies here.
        let live = LiveDashboardEngine(engine: engine, recorder: recorder, settings: built.settings, prompts: built.prompts)
        let controller = DashboardController(engine: live, config: built.describe(engine, slos: slos), settings: built.settings)
        live.addSink(controller.eventSink)
        live.addSink(recorder.sink)
        let name = command.servedModelName ?? ServeCommand.defaultName(built.model)
        let served = ServedEngine(engine: engine, servedModelName: name, renderChat: ChatWiring.serveRenderer(for: model))
        var status: [String] = built.notes
        if let path = command.record {
            do { status.append("recording to \(try recorder.start(path: path))"); controller.options.isRecording = true }
            catch { terminal.stop(); throw error }
        }
        engine.start()

        let address = AddressBox()
        let stop = ServerStopHandle()
        let finished = DispatchSemaphore(value: 0)
        let settings = command.serveSettings(name: name, modelRoot: built.model.path ?? model.name)
        Task {
            do {
                try await APIServer.run(settings: settings, served: served,
                                        log: { log.write($0) },
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

        _ = DashboardApp(controller: controller).run(on: terminal)   // serve exits 0 however it was stopped
        terminal.stop()
        stop.stop()
        finished.wait()
        let recordingLine = live.shutdown()
        log.close()
        if let recordingLine { printError("pdscope: \(recordingLine)") }
        printError("pdscope serve: stopped (request log in \(logPath))")
    }
}

/// The server's address (or its start-up error), handed from the server task to the UI thread.
private final class AddressBox: Sendable {
    enum Outcome: Sendable { case success(String), failure(String) }
    private let outcome = WatchedState<Outcome?>(nil)

    func set(_ url: String) { outcome.update { $0 = .success(url) } }
    func fail(_ message: String) { outcome.update { if $0 == nil { $0 = .failure(message) } } }

    func wait(timeout: Double) -> Outcome {
        outcome.wait(until: Date().addingTimeInterval(timeout)) { $0 }
            ?? .failure("the server did not start within \(Int(timeout)) s")
    }
}
