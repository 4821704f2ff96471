import ArgumentParser
import Dashboard
import Engine
import Foundation
import Model
import Trace

/// `pdscope` (the default subcommand): the live dashboard on a real engine.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The live dashboard (the default): watch instances, queues, KV blocks and users, type prompts.",
        discussion: """
        Keys: i type a prompt (@alice hello sets the user), L long prompt, S short one, g load generator \
        ([ ] rate), r record a trace, x cancel the selected user's request, c restart the engine under the \
        next policy (colocated-fcfs → chunked-prefill → disaggregated), p pause the display, \
        Tab/arrows select a user, ? help, q quit.
        Needs a terminal; for headless runs use `pdscope replay`.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var engineOptions: EngineOptions
    @Option(help: "Frames per second (1–60; + and - change it live).") var fps: Int = 20
    @Option(help: ArgumentHelp("Record the session's trace to this file from the start.", valueName: "FILE.jsonl"))
    var record: String?
    @Option(help: ArgumentHelp("Re-submit a workload's or recorded trace's requests at their arrival offsets.", valueName: "FILE.jsonl"))
    var replay: String?
    @Option(help: "Replay speed factor (2 = twice as fast).") var speed: Double = 1
    @Option(name: .customLong("load-rate"), help: ArgumentHelp("Start with the load generator on at this many requests/s.", valueName: "R"))
    var loadRate: Double?

    func validate() throws {
        guard (1...60).contains(fps) else { throw ValidationError("--fps must be between 1 and 60") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be positive") }
        if let rate = loadRate { guard rate > 0, rate.isFinite else { throw ValidationError("--load-rate must be positive") } }
    }

    func run() throws {
        // Before anything slow: without a terminal there is nothing to draw on.
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            printError(TerminalError.notATerminal.description)
            throw ExitCode.failure
        }
        // A recorded session replays under its recorded settings unless flags say otherwise.
        var recorded: [String: String] = [:]
        var workload: Workload?
        var recordedModel: ModelIdentity?
        if let path = replay {
            if let trace = try? TraceReader.read(path: path) {
                recorded = trace.header.settings
                recorded["policy"] = trace.header.policy
                recordedModel = trace.header.model
                workload = Workload(trace: trace)
            } else {
                do { workload = try WorkloadFile.read(path: path) } catch { throw CLIError("\(error)") }
            }
        }
        let config = try engineOptions.makeConfig(recorded: recorded)
        // Before the terminal is taken: a bad --model or --max-model-len is a plain one-line error.
        let choice = try ModelLoader.resolve(modelOptions.model)
        if let limit = modelOptions.maxModelLen, limit < 1 { throw CLIError("--max-model-len must be at least 1, got \(limit)") }
        let slos = try engineOptions.makeSLOs(recorded: recorded)
        let terminal: TerminalBackend
        do { terminal = try TerminalBackend() } catch { throw CLIError("\(error)") }

        let loaded: DashboardStartup.Outcome<DashboardSession>
        do { loaded = try DashboardStartup.run(.loading, on: terminal, { try buildEngine(choice: choice, config: config) }) } catch {
            terminal.stop()   // the error is printed on the restored terminal
            throw error
        }
        guard case let .done(built) = loaded else {
            terminal.stop()   // quit or interrupted while loading
            if case let .cancelled(exit) = loaded, exit.exitStatus != 0 { throw ExitCode(exit.exitStatus) }
            return
        }
        let model = built.model.model, engine = built.engine
        let settings = built.settings
        let identity = ModelIdentityPromise(built.model)
        // The recorder asks for the engine serving now: `c` replaces it under another policy.
        weak var liveRef: LiveDashboardEngine?
        let recorder = DashboardRecorder(engineNow: { (liveRef?.engine ?? engine).snapshot().time }) { [engineOptions] start in
            DashboardRecorder.header(identity: try identity.get(), options: engineOptions,
                                     config: (liveRef?.engine ?? engine).config, startTime: start)
        }
        let live = LiveDashboardEngine(engine: engine, recorder: recorder, settings: settings, prompts: built.prompts)
        liveRef = live
        live.rebuild = { config in
            let next = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model))
            return (next, LiveDashboardEngine.dashboardConfig(engine: next, model: model, slos: slos))
        }
        let controller = DashboardController(engine: live, config: LiveDashboardEngine.dashboardConfig(engine: engine, model: model, slos: slos),
                                             settings: settings)
        live.addSink(controller.eventSink)
        live.addSink(recorder)
        var status: [String] = built.notes
        if let path = record {
            do {
                status.append("recording to \(try recorder.start(path: path))")
                controller.options.isRecording = true
            } catch { terminal.stop(); throw error }
        }
        engine.start()
        controller.options.fps = fps
        if let rate = loadRate {
            controller.options.loadGeneratorRate = rate
            live.setLoadGenerator(rate: rate)
        }
        if let workload {
            live.startReplay(workload.requests, speed: speed)
            status.append("replaying \(workload.requests.count) requests from \(replay!)" + (speed == 1 ? "" : " at \(speed)×"))
        }
        if let recordedModel,
           let note = try? ModelMismatch.note(recorded: recordedModel, current: identity.get()) {
            status.append(note)
        }
        let warnings = live.takeNewWarnings()
        status += warnings
        controller.options.statusMessage = status.isEmpty ? nil : status.joined(separator: " · ")

        let exit = DashboardApp(controller: controller).run(on: terminal)
        // Stopping aborts whatever is queued and closes the recording; a second signal meanwhile
        // forces the exit (the recording then lacks its closing line).
        let recordingLine: String?
        switch try DashboardStartup.run(.stopping, on: terminal, { live.shutdown() }) {
        case .done(let line): recordingLine = line
        case .cancelled(let second):
            terminal.stop()
            printError("pdscope: stopped at once (second signal); the recording was not closed")
            Foundation.exit(second.exitStatus)
        }
        terminal.stop()
        // Warnings that appeared while running (a thread that could not be pinned) are printed now
        // that the terminal is back, together with the ones shown at start.
        for note in built.notes { printError("pdscope: \(note)") }
        for warning in warnings + live.takeNewWarnings() { printError("pdscope: warning: \(warning)") }
        if let recordingLine { printError("pdscope: \(recordingLine)") }
        if controller.droppedEventCount > 0 {
            printError("pdscope: the display skipped \(controller.droppedEventCount) events (the UI fell behind)")
        }
        // Ctrl-C, SIGTERM and SIGHUP end it like `q`, with the shell's status for the signal.
        if exit.exitStatus != 0 { throw ExitCode(exit.exitStatus) }
    }

    /// Runs on the loader thread while the first frame shows: the model, the default KV pool
    /// size, the engine and the prompt maker.
    private func buildEngine(choice: ModelLoader.Choice, config: EngineConfig) throws -> DashboardSession {
        let loaded = try ModelLoader.load(choice, maxModelLength: modelOptions.maxModelLen)
        var config = config
        var notes = loaded.notes
        if let note = KVSizing.apply(&config, model: loaded.model) { notes.append(note) }
        let engine: Engine
        do { engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: loaded.model)) } catch { throw CLIError("\(error)") }
        let isChat = ChatWiring.renderer(for: loaded.model) != nil
        let settings = LiveDashboardEngine.settings(contextLength: loaded.model.config.contextLength, initialLoadRate: loadRate, isChat: isChat)
        let (prompts, promptNote) = DashboardPrompts.make(model: loaded.model, maxTokens: settings.maxTokens)
        if let promptNote { notes.append(promptNote) }
        return DashboardSession(model: loaded, engine: engine, startDate: Date(), settings: settings, prompts: prompts, notes: notes)
    }
}

/// What the loader thread hands the dashboard.
struct DashboardSession {
    var model: LoadedModel
    var engine: Engine
    var startDate: Date
    var settings: DashboardSettings
    var prompts: DashboardPrompts?
    /// Lines for the status bar (and stderr after exit): which model, context, KV pool size.
    var notes: [String]
}
