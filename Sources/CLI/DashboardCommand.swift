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
    @Option(parsing: .unconditional, help: "Frames per second (1–60; + and - change it live).") var fps: Int = 20
    @Option(help: ArgumentHelp("Record the session's trace to this file from the start.", valueName: "FILE.jsonl"))
    var record: String?
    @Option(help: ArgumentHelp("Re-submit a workload's or recorded trace's requests at their arrival offsets.", valueName: "FILE.jsonl"))
    var replay: String?
    @Option(parsing: .unconditional, help: "Replay speed factor (2 = twice as fast).") var speed: Double = 1
    @Option(name: .customLong("load-rate"), parsing: .unconditional, help: ArgumentHelp("Start with the load generator on at this many requests/s.", valueName: "R"))
    var loadRate: Double?

    func validate() throws {
        guard (1...60).contains(fps) else { throw ValidationError("--fps must be between 1 and 60") }
        try FlagBounds.speed(speed)
        if let rate = loadRate {
            let range = DashboardSettings().loadRateRange
            guard rate.isFinite, range.contains(rate) else {
                throw ValidationError("--load-rate \(rate): between \(range.lowerBound) and \(Int(range.upperBound)) requests/s (the range [ and ] step through)")
            }
        }
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
        var isTrace = false
        if let path = replay {
            try FileChecks.requireRegularFile(path)
            if let trace = try? TraceReader.read(path: path) {
                recorded = trace.header.settings
                recorded["policy"] = trace.header.policy
                workload = Workload(trace: trace)
                isTrace = true
            } else {
                do { workload = try WorkloadFile.read(path: path) } catch { throw CLIError("\(error)") }
            }
        }
        // The model a trace ran on or a chat workload was made for, to compare with this one.
        let replayedModel = workload?.header.model
        let config = try engineOptions.makeConfig(recorded: recorded)
        // Before the terminal is taken: a bad --model or --max-model-len is a plain one-line error.
        let choice = try ModelLoader.resolve(modelOptions.model)
        if let limit = modelOptions.maxModelLen, limit < 1 { throw CLIError("--max-model-len must be at least 1, got \(limit)") }
        let slos = try engineOptions.makeSLOs(recorded: recorded)
        let terminal: TerminalBackend
        do { terminal = try TerminalBackend() } catch { throw CLIError("\(error)") }

        let loaded: DashboardStartup.Outcome<DashboardSession>
        do { loaded = try DashboardStartup.run(.loading, on: terminal, {
            try DashboardSession.load(choice: choice, maxModelLength: modelOptions.maxModelLen, config: config, loadRate: loadRate)
        }) } catch {
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
            return (next, built.describe(next, slos: slos))
        }
        let controller = DashboardController(engine: live, config: built.describe(engine, slos: slos),
                                             settings: settings)
        live.addSink(controller.eventSink)
        live.addSink(recorder.sink)
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
        if let recordedModel = replayedModel,
           let note = try? ModelMismatch.note(recorded: recordedModel, current: identity.get(), verb: isTrace ? "recorded on" : "made for") {
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
}
