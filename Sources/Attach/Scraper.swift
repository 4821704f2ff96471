import Dashboard
import Foundation
import Synchronization

/// One server to watch: its base URL and the role attach was told (`--prefill`, `--decode`), if any.
public struct AttachTarget: Equatable, Sendable {
    public var url: URL
    public var role: String?

    public init(url: URL, role: String? = nil) { self.url = url; self.role = role }

    /// "http://host:port" or "host:port" (http assumed); nil for anything else.
    public static func parse(_ text: String, role: String? = nil) -> AttachTarget? {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: withScheme), let scheme = url.scheme, ["http", "https"].contains(scheme),
              url.host != nil else { return nil }
        return AttachTarget(url: url, role: role)
    }
}

/// Scrapes every target's /metrics each `interval` on its own task, and keeps each one's latest
/// `ObservedInstance`. A server that fails is shown with its error and retried with exponential
/// backoff (up to `maxBackoff`); its identity is asked again when it comes back.
public final class Scraper: Sendable {
    public let targets: [AttachTarget]
    public let interval: Double
    public static let maxBackoff = 30.0
    private let http: HTTPGet
    private let window: Double
    private let started = DispatchTime.now().uptimeNanoseconds
    private let state: Mutex<State>

    private struct State {
        var latest: [ObservedInstance]
        /// Per target, one view per `engine` label when it reports several (see `EngineSplit`), else empty.
        var parts: [[(engine: String, view: ObservedInstance)]]
        var scrapeCounts: [Int]
        var tasks: [Task<Void, Never>] = []
    }

    public init(targets: [AttachTarget], interval: Double = 1, window: Double = 30) {
        self.targets = targets; self.interval = max(0.05, interval); self.window = window
        http = HTTPGet(timeout: max(2, min(10, interval * 3)))
        state = Mutex(State(latest: targets.map { ObservedInstance(url: $0.url.absoluteString, role: $0.role ?? "both") },
                            parts: Array(repeating: [], count: targets.count),
                            scrapeCounts: Array(repeating: 0, count: targets.count)))
    }

    /// The panels to show now: every target, or each of its engines when it reports several.
    public func panelLayout() -> [AttachPanel] {
        state.withLock { state in
            targets.indices.flatMap { t in
                state.parts[t].isEmpty ? [AttachPanel(target: t)] : state.parts[t].map { AttachPanel(target: t, engine: $0.engine) }
            }
        }
    }

    /// The latest view of each panel of `layout` (an engine no longer reported shows its server's view).
    public func views(of layout: [AttachPanel]) -> [ObservedInstance] {
        state.withLock { state in
            layout.map { panel in
                guard let engine = panel.engine else { return state.latest[panel.target] }
                return state.parts[panel.target].first { $0.engine == engine }?.view ?? state.latest[panel.target]
            }
        }
    }

    /// Seconds since the scraper was made: the clock `lastSeen` and the dashboard use.
    public var now: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    /// The latest view of every target, in the order given.
    public func snapshot() -> [ObservedInstance] { state.withLock { $0.latest } }

    /// How many scrapes (good or failed) each target has had: tests wait on it.
    public func scrapes() -> [Int] { state.withLock { $0.scrapeCounts } }

    public func start() {
        let started = targets.indices.map { index in Task.detached { [self] in await self.watch(index) } }
        state.withLock { $0.tasks += started }
    }

    public func stop() {
        let running = state.withLock { state in defer { state.tasks.removeAll() }; return state.tasks }
        for task in running { task.cancel() }
    }

    /// Scrapes once now (for `--once` style use and tests); returns the new view.
    public func scrapeOnce(_ index: Int, tracker: inout InstanceTracker, identity: inout ServerIdentity?) async -> ObservedInstance {
        var engines: [String: InstanceTracker] = [:]
        return await scrapeOnce(index, tracker: &tracker, identity: &identity, engines: &engines).whole
    }

    /// The server's view, and one per engine when it reports several (`engines` tracks those).
    func scrapeOnce(_ index: Int, tracker: inout InstanceTracker, identity: inout ServerIdentity?,
                    engines: inout [String: InstanceTracker]) async -> (whole: ObservedInstance, parts: [(engine: String, view: ObservedInstance)]) {
        let target = targets[index]
        var base = state.withLock { $0.latest[index] }
        do {
            let text = try await http.text(target.url, "metrics")
            let page = try PrometheusText.parse(text)
            let reading = try EngineInterpreter.read(page)
            if identity == nil { identity = await ServerIdentity.fetch(target.url, using: http) }
            base.engine = (identity?.ownedBy == "pdscope" ? EngineKind.pdscope : reading.engine).rawValue
            base.version = identity?.version
            base.model = identity?.model ?? reading.modelName
            base.contextLength = identity?.contextLength
            base.role = target.role ?? Self.role(reported: reading.roles)
            base.error = nil
            let time = now
            tracker.add(reading, at: time)
            var observed = tracker.observed(base)
            if reading.engine == .llamacpp { await addSlots(target.url, to: &observed) }
            return (observed, EngineSplit.parts(of: page, base: base, trackers: &engines, window: window, at: time))
        } catch {
            base.error = Self.oneLine("\(error)")
            if error is HTTPGet.Failure { identity = nil; tracker.reset(); engines.removeAll() }
            let failed = state.withLock { $0.parts[index] }.map { part in
                var view = part.view
                view.error = base.error
                return (part.engine, view)
            }
            return (base, failed)
        }
    }

    /// What the server's role labels say: one role as is, SGLang's `unified` as both, several joined.
    static func role(reported roles: [String]) -> String {
        let named = roles.map { $0 == "unified" ? "both" : $0 }
        let order = ["prefill", "decode", "both"]
        let unique = Array(Set(named)).sorted { (order.firstIndex(of: $0) ?? 9, $0) < (order.firstIndex(of: $1) ?? 9, $1) }
        return unique.isEmpty ? "both" : unique.joined(separator: "+")
    }

    /// llama.cpp: busy slots out of all, from `GET /slots` (off unless the server runs with --slots).
    private func addSlots(_ url: URL, to observed: inout ObservedInstance) async {
        guard let slots = await http.json(url, "slots") as? [[String: Any]] else { return }
        observed.kvBlocksTotal = slots.count
        observed.kvBlocksUsed = slots.filter { ($0["is_processing"] as? Bool) == true }.count
        observed.kvUnit = "slots"
    }

    private func watch(_ index: Int) async {
        var tracker = InstanceTracker(window: window)
        var identity: ServerIdentity?
        var engines: [String: InstanceTracker] = [:]
        var failures = 0
        while !Task.isCancelled {
            let (observed, split) = await scrapeOnce(index, tracker: &tracker, identity: &identity, engines: &engines)
            state.withLock { $0.latest[index] = observed; $0.parts[index] = split; $0.scrapeCounts[index] += 1 }
            failures = observed.error == nil ? 0 : failures + 1
            let delay = failures == 0 ? interval : min(Self.maxBackoff, interval * pow(2, Double(min(failures, 10))))
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        }
    }

    static func oneLine(_ s: String) -> String { HTTPGet.oneLine(s) }
}
