import Engine

/// The dashboard without a terminal: folds engine events into state, turns keys into actions on
/// the engine and the view options, and renders frames into a screen buffer. `DashboardApp` runs
/// it against ncurses; tests drive it directly with keys and a fake engine.
public final class DashboardController {
    public enum Outcome: Equatable { case keepRunning, quit }

    static let fpsSteps = [1, 2, 5, 10, 15, 20, 30, 60]

    public private(set) var state: DashboardState
    /// Public so the CLI can start with its flags (`--fps`, `--load-rate`, a status line).
    public var options = DashboardViewOptions()
    public let inbox = EventInbox()
    public var settings: DashboardSettings
    private let engine: DashboardEngine
    /// The state as it was when `p` paused the display; nil while live.
    private var frozen: DashboardState?
    private var loadRate: Double
    private var submittedCount = 0
    private var injectedCount = 0
    public private(set) var droppedEventCount = 0
    /// Instances seen from outside (`pdscope attach`), asked once per frame; nil for the in-process engine.
    public var observedSource: (() -> [InstanceID: ObservedInstance])?
    /// Facts about requests learned outside the event stream (attach), asked once per frame.
    public var requestNoteSource: (() -> [RequestNote])?

    public init(engine: DashboardEngine, config: DashboardConfig, settings: DashboardSettings = DashboardSettings()) {
        self.engine = engine; self.settings = settings
        state = DashboardState(config: config)
        loadRate = settings.initialLoadRate
    }

    /// The sink to register with the engine.
    public var eventSink: EngineEventSink { inbox }

    /// Applies every pending event and moves the clock to the engine's now. Call once per frame.
    /// Returns how many events were applied.
    @discardableResult
    public func update() -> Int {
        // Notes first: a note's request arrived before it was noted, so its event is in this batch or an older one.
        let notes = requestNoteSource?() ?? []
        let batch = inbox.drain()
        droppedEventCount += batch.droppedCount
        for event in batch.events { state.apply(event) }
        for note in notes { state.apply(note) }
        state.advance(to: engine.now)
        for (id, placement) in engine.threadPlacements() { state.setPlacement(placement, for: id) }
        if let source = observedSource { for (id, o) in source() { state.observe(o, as: id) } }
        if options.selectedUser == nil { options.selectedUser = state.users.first }
        return batch.events.count
    }

    /// Draws the current frame (the frozen one while paused); returns the cursor position.
    @discardableResult
    public func render(into buffer: inout ScreenBuffer) -> (x: Int, y: Int)? {
        DashboardView.render(frozen ?? state, options: options, into: &buffer)
    }

    public var frameInterval: Double { 1 / Double(max(1, options.fps)) }

    public func handle(_ key: Key) -> Outcome {
        if options.isInputFocused { handleInput(key); return .keepRunning }
        if options.isHelpShown, key != .character("q") { options.isHelpShown = false; return .keepRunning }
        options.statusMessage = nil
        switch key {
        case .character("q"): return .quit
        case .character("i"), .enter: options.isInputFocused = true
        case .character("?"): options.isHelpShown = true
        case .character("L"):
            submit(user: nextInjectedUser("long"), prompt: engine.prompt(for: .long)
                   ?? .synthetic(count: settings.longPromptTokens, prefixKeys: [], segmentTokens: 16))
        case .character("S"):
            submit(user: nextInjectedUser("short"), prompt: engine.prompt(for: .short)
                   ?? .synthetic(count: settings.shortPromptTokens, prefixKeys: [], segmentTokens: 16))
        case .character("g"): setLoad(on: options.loadGeneratorRate == nil)
        case .character("["): changeLoadRate(by: 0.5)
        case .character("]"): changeLoadRate(by: 2)
        case .character("+"), .character("="): stepFPS(up: true)
        case .character("-"): stepFPS(up: false)
        case .character("p"):
            options.isPaused.toggle()
            frozen = options.isPaused ? state.frozen() : nil
        case .character("r"): toggleRecording()
        case .character("x"): abortSelected()
        case .character("c"): cyclePolicy()
        case .up, .backTab: moveSelection(by: -1)
        case .down, .tab: moveSelection(by: 1)
        default: break
        }
        return .keepRunning
    }

    private func handleInput(_ key: Key) {
        switch key {
        case let .character(ch): options.input.insert(String(ch))
        case .backspace: options.input.backspace()
        case .delete: options.input.deleteForward()
        case .left: options.input.moveLeft()
        case .right: options.input.moveRight()
        case .home: options.input.moveHome()
        case .end: options.input.moveEnd()
        case .escape: options.isInputFocused = false
        case .enter:
            if let submission = options.input.submit() {
                submit(user: submission.user, prompt: engine.prompt(for: .typed(submission.text)) ?? .text(submission.text))
            }
            options.isInputFocused = false
        default: break
        }
    }

    /// `L` and `S` come from a new user each time (long-1, long-2, …), so each gets its own row.
    private func nextInjectedUser(_ kind: String) -> String {
        injectedCount += 1
        return "\(kind)-\(injectedCount)"
    }

    private func submit(user: String?, prompt: RequestSpec.Prompt) {
        let who = user ?? settings.defaultUser
        engine.submit(RequestSpec(arrivalOffset: engine.now, user: who, prompt: prompt, maxTokens: settings.maxTokens))
        submittedCount += 1
        options.selectedUser = who
    }

    private func setLoad(on: Bool) {
        options.loadGeneratorRate = on ? loadRate : nil
        engine.setLoadGenerator(rate: options.loadGeneratorRate)
    }

    private func changeLoadRate(by factor: Double) {
        loadRate = min(settings.loadRateRange.upperBound, max(settings.loadRateRange.lowerBound, loadRate * factor))
        if options.loadGeneratorRate != nil { setLoad(on: true) }
        options.statusMessage = "load generator rate " + Format.fixed(loadRate, 2) + " req/s"
            + (options.loadGeneratorRate == nil ? " (off: g starts it)" : "")
    }

    private func stepFPS(up: Bool) {
        let steps = Self.fpsSteps
        let index = steps.lastIndex { $0 <= options.fps } ?? 0
        options.fps = steps[max(0, min(steps.count - 1, index + (up ? 1 : -1)))]
    }

    private func toggleRecording() {
        do {
            options.statusMessage = try engine.setRecording(!options.isRecording)
            options.isRecording.toggle()
        } catch {
            options.statusMessage = "recording: \(error)"
        }
    }

    /// Cancels the selected user's request if it is still open.
    private func abortSelected() {
        guard let user = options.selectedUser, let id = state.latestRequest[user],
              let request = state.requests[id], !request.stage.isTerminal else {
            options.statusMessage = "x: the selected user has no open request"
            return
        }
        engine.abort(id)
        options.statusMessage = "cancelled #\(id) of \(user)"
    }

    /// The engine restarts under the next policy; the screen starts over with its instances.
    private func cyclePolicy() {
        do {
            guard let (config, status) = try engine.cyclePolicy(beforeStart: { [inbox] in _ = inbox.drain() }) else {
                options.statusMessage = "c: this engine cannot change policy"
                return
            }
            state = DashboardState(config: config)
            frozen = nil
            options.isPaused = false
            options.isRecording = false
            options.statusMessage = status
        } catch {
            options.statusMessage = "c: \(error)"
        }
    }

    private func moveSelection(by step: Int) {
        let users = state.users
        guard !users.isEmpty else { return }
        let current = options.selectedUser.flatMap { users.firstIndex(of: $0) } ?? 0
        options.selectedUser = users[(current + step + users.count) % users.count]
    }
}
