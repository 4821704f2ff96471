import Attach
import Dashboard
import Engine
import Foundation
import Synchronization
import Trace

/// `attach --record` and the dashboard's `r` when attached: the proxy's requests, shaped by
/// `AttachTraceShaper`, and the servers' scraped states (`AttachStateLines`), written through the
/// dashboard's `DashboardRecorder` (same file naming, header, flushing and closing line as every
/// other pdscope recording).
final class AttachRecorder: Sendable {
    private struct State {
        var shaper = AttachTraceShaper()
        var written = 0
        /// Requests that arrived before the recording started (finished during it).
        var startedBefore = 0
        var failedAtStart = 0
        /// The state lines last written, per server, and the task that writes new ones.
        var lastStates: [Int: JSONObject] = [:]
        var sampler: Task<Void, Never>?
    }

    /// Starts and stops the files (the UI thread, or the main thread when headless); never
    /// taken while `state` is held.
    private let recorder: Mutex<DashboardRecorder>
    /// The recording in progress, for the proxy's events and the sampler's lines.
    private let sink: RecordingSink
    private let scraper: Scraper
    private let state = Mutex(State())

    init(scraper: Scraper) {
        self.scraper = scraper
        let files = DashboardRecorder(engineNow: { scraper.now }) { start in
            Self.header(targets: scraper.targets, observed: scraper.snapshot(), startTime: start)
        }
        sink = files.sink
        recorder = Mutex(files)
    }

    var isRecording: Bool { sink.writer != nil }

    /// Every proxy event goes here, recording or not (a request open when `r` is pressed is
    /// known but, having arrived before the recording, not written).
    func receive(_ event: ProxyEvent) {
        state.withLock { s in
            let block = s.shaper.receive(event)
            guard let first = block.first, let origin = sink.timeOrigin else { return }
            if first.time < origin { s.startedBefore += 1; return }
            for var event in block {
                // The spec's arrival counts from the recording's start, as the events' times do.
                if case .arrived(let id, var spec, let tokens) = event.kind {
                    spec.arrivalOffset = event.time - origin
                    event.kind = .arrived(request: id, spec: spec, promptTokens: tokens)
                }
                sink.receive(event)
            }
            s.written += 1
        }
    }

    /// Starts a recording (default path as the dashboard's `r`); returns its path.
    @discardableResult
    func start(path: String? = nil) throws -> String {
        let target = try recorder.withLock { try $0.start(path: path) }
        let interval = scraper.interval
        let sampler = Task.detached { [self] in
            while !Task.isCancelled {
                writeNewStates()
                try? await Task.sleep(nanoseconds: UInt64(interval / 2 * 1e9))
            }
        }
        state.withLock { s in
            s.written = 0; s.startedBefore = 0; s.failedAtStart = s.shaper.failed
            s.lastStates = [:]; s.sampler?.cancel(); s.sampler = sampler
        }
        return target
    }

    /// One `observed` line per server whose scraped state differs from the last line written for it.
    private func writeNewStates() {
        let snapshot = scraper.snapshot(), now = scraper.now
        guard let origin = sink.timeOrigin else { return }
        state.withLock { s in
            for (i, o) in snapshot.enumerated() where o.lastSeen != nil || o.error != nil {
                let line = AttachStateLines.encode(o, index: i)
                guard line != s.lastStates[i] else { continue }
                sink.receive(line: line, at: max(origin, o.error == nil ? o.lastSeen ?? now : now))
                s.lastStates[i] = line
            }
        }
    }

    /// Closes the recording; a line saying what was written and what was left out, or nil.
    func stop() -> String? {
        writeNewStates()
        state.withLock { s in s.sampler?.cancel(); s.sampler = nil }
        let (written, open, failed, before) = state.withLock { s in
            (s.written, s.shaper.openCount, s.shaper.failed - s.failedAtStart, s.startedBefore)
        }
        guard let line = recorder.withLock({ $0.stop() }) else { return nil }
        var left: [String] = []
        if failed > 0 { left.append("\(failed) failed") }
        if open > 0 { left.append("\(open) still open") }
        if before > 0 { left.append("\(before) begun before the recording") }
        return line + " (\(written) request\(written == 1 ? "" : "s")"
            + (left.isEmpty ? "" : "; left out: " + left.joined(separator: ", ")) + ")"
    }

    /// The header of an attach recording. The engine settings describe the deployment's shape in
    /// pdscope's terms, so a plain `pdscope replay` runs it the way it ran: prefill and decode
    /// servers (or instances) → disaggregated (P-first, as the proxy routes); otherwise chunked-prefill (the
    /// default scheduler of vLLM V1 and SGLang). Other settings are pdscope's defaults; flags
    /// override any of them. `attach_servers` lists the real servers; the model is the served
    /// one, named by engine and model since its weights cannot be hashed from here.
    static func header(targets: [AttachTarget], observed: [ObservedInstance], startTime: Date) -> TraceHeader {
        let roles = targets.indices.map { i in targets[i].role ?? (i < observed.count ? observed[i].role : "both") }
        var config = EngineConfig()
        // "prefill+decode" is one server running both kinds of instances (pdscope serve's default).
        let kinds = Set(roles.flatMap { $0.split(separator: "+").map(String.init) })
        config.policy = kinds.contains("prefill") && kinds.contains("decode") ? .disaggregated : .chunkedPrefill
        var settings = EngineSettings.encode(config)
        settings["attach_servers"] = zip(roles, targets).map { "\($0)=\($1.url.absoluteString)" }.joined(separator: " ")
        let served = observed.first { $0.model != nil }
        let engine = served?.engine ?? "unknown"
        let name = served?.model ?? "unknown model"
        let context = observed.compactMap(\.contextLength).min()
        let model = ModelIdentity(name: name + " on " + engine + (context == nil ? " (context not reported)" : ""),
                                  contentHash: "attach:\(engine):\(name)", contextLength: max(1, context ?? 1))
        return ReplayRecording.header(identity: model, config: config, settings: settings, startTime: startTime)
    }
}
