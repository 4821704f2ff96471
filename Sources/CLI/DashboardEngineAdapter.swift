import Dashboard
import Engine
import Foundation
import Model
import Synchronization

/// The real engine as the dashboard sees it: requests go to the router, `g` drives a load
/// generator, `r` a recorder, and observed cores come from the engine's snapshot. Everything
/// here is called on the UI thread and only takes the engine's short scheduling lock.
final class LiveDashboardEngine: DashboardEngine {
    /// The engine now serving; replaced when `c` cycles the policy.
    var engine: Engine { serving.engine }
    let recorder: DashboardRecorder
    private let serving: ServingEngine
    private let loadGenerator: DashboardLoadGenerator
    /// Real questions and documents in the chat template (instruct models), else nil.
    let prompts: DashboardPrompts?
    /// `--replay`: the workload's requests at their offsets, on the engine's clock.
    private var replayer: TimedSubmitter?
    /// Warnings already shown, so new ones (a core fallback at thread start) are noticed once.
    private var shownWarningCount = 0
    /// Every sink, re-registered with the engine that replaces the current one.
    private var sinks: [EngineEventSink] = []
    /// Builds an engine for a configuration, and the dashboard's description of it (set by the
    /// command; without it `c` cannot switch).
    var rebuild: ((EngineConfig) throws -> (Engine, DashboardConfig))?

    init(engine: Engine, recorder: DashboardRecorder, settings: DashboardSettings, prompts: DashboardPrompts? = nil) {
        self.recorder = recorder; self.prompts = prompts
        let serving = ServingEngine(engine)
        self.serving = serving
        loadGenerator = DashboardLoadGenerator(maxTokens: settings.maxTokens, questions: prompts) { spec in
            var stamped = spec
            stamped.arrivalOffset = serving.now
            serving.engine.submit(stamped)
        }
    }

    var now: Double { serving.now }

    func submit(_ spec: RequestSpec) { engine.submit(spec) }

    /// Registers `sink` with the current engine and every later one.
    func addSink(_ sink: EngineEventSink) {
        sinks.append(sink)
        engine.addSink(sink)
    }

    func setLoadGenerator(rate: Double?) { loadGenerator.setRate(rate) }

    func prompt(for kind: DashboardPromptKind) -> RequestSpec.Prompt? { prompts?.prompt(for: kind) }

    func setRecording(_ isOn: Bool) throws -> String {
        if isOn { return "recording to \(try recorder.start()) (r stops)" }
        return recorder.stop() ?? "not recording"
    }

    func threadPlacements() -> [InstanceID: ThreadPlacement] {
        Dictionary(uniqueKeysWithValues: engine.snapshot().instances.map {
            ($0.id, ThreadPlacement(cores: $0.coresObserved, realtime: $0.realtime))
        })
    }

    func abort(_ id: RequestID) { engine.abort(id) }

    /// The next policy in `SchedulingPolicy.allCases` order, all other settings kept.
    func cyclePolicy(beforeStart: () -> Void) throws -> (DashboardConfig, String)? {
        guard let rebuild else { return nil }
        let old = engine
        var config = old.config
        let all = SchedulingPolicy.allCases
        config.policy = all[((all.firstIndex(of: config.policy) ?? 0) + 1) % all.count]
        let (next, description) = try rebuild(config)
        let recording = recorder.stop()
        old.shutdown()
        beforeStart()
        for sink in sinks { next.addSink(sink) }
        serving.replace(with: next)
        next.start()
        shownWarningCount = 0
        var status = "policy \(config.policy.rawValue): engine restarted, requests continue there"
        if recording != nil { status += " (recording stopped: a trace holds one policy)" }
        return (description, status)
    }

    /// Engine warnings not yet returned by an earlier call.
    func takeNewWarnings() -> [String] {
        let all = engine.warnings
        defer { shownWarningCount = all.count }
        return Array(all.dropFirst(shownWarningCount))
    }

    /// Replays `requests` at their offsets (divided by `speed`) from now.
    func startReplay(_ requests: [RequestSpec], speed: Double) {
        // To whichever engine is current when a request is due (`c` may replace it meanwhile);
        // through `serving` (Sendable), not the UI-thread object, since this runs on the submitter's thread.
        let replay = TimedSubmitter(requests: requests, speed: speed, clock: engine.clock) { [serving] spec in
            serving.engine.submit(spec)
        }
        replayer = replay
        replay.start()
    }

    /// Quit: stop traffic, stop the instances after their current step, then close the recording
    /// (so the aborts of unfinished requests are in it). Returns the recording's summary line.
    func shutdown() -> String? {
        loadGenerator.stop()
        replayer?.stop()
        engine.shutdown()
        return recorder.stop()
    }

    /// The live percentile and SLO lines cover the requests of the last minute.
    static let liveMetricsWindow = 60.0

    /// What the dashboard is told once: instances, pool sizes, SLOs.
    static func dashboardConfig(engine: Engine, model: LlamaModel, slos: GoodputSLO?) -> DashboardConfig {
        let snapshot = engine.snapshot()
        let config = engine.config
        var pools: [KVLocation: Int] = [:]
        for instance in snapshot.instances { pools[.instance(instance.id)] = instance.kvBlocks }
        let isDisaggregated = config.policy == .disaggregated
        if isDisaggregated && config.kvTransfer == .pool && snapshot.storeBlocks > 0 { pools[.store] = snapshot.storeBlocks }
        let dashboard = DashboardConfig(
            modelName: displayName(of: model), isSyntheticModel: model.isSynthetic, policy: config.policy.rawValue,
            route: isDisaggregated ? config.route.rawValue : "-",
            transferMode: isDisaggregated ? config.kvTransfer : nil, kvCacheType: config.kvCacheType.rawValue,
            instances: snapshot.instances.map { InstanceDescription(id: $0.id, role: $0.role, cores: $0.coresRequested) },
            poolBlocks: pools, slo: slos, metricsWindow: liveMetricsWindow)
        return dashboard
    }

    /// The header adds "(synthetic)" itself, so a synthetic model's own "synthetic " prefix goes.
    static func displayName(of model: LlamaModel) -> String {
        guard model.isSynthetic, model.name.hasPrefix("synthetic ") else { return model.name }
        return String(model.name.dropFirst("synthetic ".count))
    }

    /// `L` near the context length (93%, leaving room for the reply), `S` short, replies of
    /// `maxTokens` shrunk for tiny contexts; a chat model's answers get room for a few sentences.
    static func settings(contextLength: Int, initialLoadRate: Double?, isChat: Bool = false) -> DashboardSettings {
        var s = DashboardSettings()
        s.maxTokens = max(8, min(isChat ? 160 : 64, contextLength / 16))
        s.longPromptTokens = max(1, min(contextLength * 93 / 100, contextLength - s.maxTokens - 1))
        s.shortPromptTokens = max(1, min(16, contextLength / 16))
        if let rate = initialLoadRate { s.initialLoadRate = rate }
        return s
    }
}

/// The engine now serving and the clock reading at its start (so `now` matches its event times),
/// shared by the UI thread and the load generator's thread.
final class ServingEngine: Sendable {
    private let clock: MonotonicClock
    private let state: Mutex<(engine: Engine, origin: Double)>

    init(_ engine: Engine) {
        let clock = MonotonicClock()
        self.clock = clock
        state = Mutex((engine, clock.now() - engine.snapshot().time))
    }

    var engine: Engine { state.withLock { $0.engine } }
    var now: Double { clock.now() - state.withLock { $0.origin } }

    func replace(with next: Engine) { state.withLock { $0 = (next, clock.now() - next.snapshot().time) } }
}
