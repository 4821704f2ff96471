import Engine
import Foundation
import Model
import Synchronization
import Trace

/// The `r` key and `--record`, on the UI thread: starts and stops recordings. Its `sink` is
/// registered with the engine once, before it starts, and forwards to the recording in progress.
final class DashboardRecorder {
    let sink = RecordingSink()
    private let makeHeader: (Date) throws -> TraceHeader
    /// The engine's clock: seconds since it started.
    private let engineNow: () -> Double
    /// Every file recorded this session, for the line printed after exit.
    private(set) var recordedPaths: [String] = []

    /// `makeHeader` is called with the recording's start time when a recording starts (the model
    /// hash is computed then, not at launch).
    init(engineNow: @escaping () -> Double, makeHeader: @escaping (Date) throws -> TraceHeader) {
        self.engineNow = engineNow; self.makeHeader = makeHeader
    }

    var isRecording: Bool { sink.writer != nil }

    /// The engine time the recording in progress started at (its events' zero), nil when none is.
    var timeOrigin: Double? { sink.timeOrigin }

    /// Starts writing to `path` (default: pdscope-YYYYMMDD-HHMMSS.jsonl in `recordings/` of a
    /// pdscope checkout, which .gitignore covers, else in the working directory). Returns the path.
    @discardableResult
    func start(path: String? = nil) throws -> String {
        if let open = sink.writer { return open.path }
        let target: String
        do { target = try path ?? Self.defaultPath(at: Date()) } catch { throw CLIError("\(error)") }
        let newWriter: TraceWriter
        // The recording's times start now: its first arrival is not preceded by the session so far.
        let origin = engineNow()
        do {
            newWriter = try TraceWriter(path: target, header: try makeHeader(Date()), timeOrigin: origin)
        } catch { throw CLIError("\(error)") }
        _ = sink.replaceWriter(with: newWriter)
        recordedPaths.append(target)
        return target
    }

    /// Stops the recording in progress: flushes, writes the closing line, closes the file.
    /// Returns a one-line summary, or nil when nothing was being recorded.
    @discardableResult
    func stop() -> String? {
        guard let closing = sink.replaceWriter(with: nil) else { return nil }
        closing.close()
        if let problem = closing.writeError { return "\(closing.path): \(problem)" }
        return "recorded \(closing.writtenEventCount) events to \(closing.path)"
    }

    /// Where `r` records when no --record file was given. Inside a pdscope checkout, recordings go
    /// to its `recordings/` folder (ignored by git) instead of littering the repository root.
    static func defaultPath(at date: Date, from directory: String = FileManager.default.currentDirectoryPath) throws -> String {
        let name = defaultFileName(at: date)
        guard let root = checkoutRoot(from: directory) else { return name }
        let folder = URL(fileURLWithPath: root).appendingPathComponent("recordings")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let standardized = URL(fileURLWithPath: directory).standardizedFileURL.path
        return root == standardized ? "recordings/" + name : folder.appendingPathComponent(name).path
    }

    /// The nearest directory at or above `directory` holding a git checkout of pdscope itself.
    static func checkoutRoot(from directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let git = url.appendingPathComponent(".git").path
            let manifest = url.appendingPathComponent("Package.swift").path
            if FileManager.default.fileExists(atPath: git),
               let text = try? String(contentsOfFile: manifest, encoding: .utf8), text.contains("name: \"pdscope\"") {
                return url.path
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }

    static func defaultFileName(at date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "pdscope-\(f.string(from: date)).jsonl"
    }

    /// The trace header of a dashboard session: the model's identity (see `ReplayRecording.identity`).
    static func header(model: LoadedModel, options: EngineOptions, config: EngineConfig,
                       startTime: Date) throws -> TraceHeader {
        try header(identity: ReplayRecording.identity(of: model), options: options, config: config, startTime: startTime)
    }

    static func header(identity: ModelIdentity, options: EngineOptions, config: EngineConfig,
                       startTime: Date) -> TraceHeader {
        ReplayRecording.header(identity: identity, config: config, settings: options.settings(of: config),
                               startTime: startTime)
    }
}

/// An event sink that forwards to the trace writer of the recording in progress, or drops events
/// when none is. Engine threads only take a short lock here; the writer never blocks them (it queues).
final class RecordingSink: EngineEventSink, Sendable {
    private let current = Mutex<TraceWriter?>(nil)

    var writer: TraceWriter? { current.withLock { $0 } }

    func receive(_ event: EngineEvent) { writer?.receive(event) }

    /// A line that is not an engine event (attach's scraped states), at engine time `time`.
    func receive(line: JSONObject, at time: Double) { writer?.receive(line: line, at: time) }

    /// The engine time the recording in progress started at (its events' zero), nil when none is.
    var timeOrigin: Double? { writer?.timeOrigin }

    /// Sets the writer; returns the one it replaces.
    func replaceWriter(with writer: TraceWriter?) -> TraceWriter? {
        current.withLock { old in defer { old = writer }; return old }
    }
}

/// The model's identity, hashed once on a background thread as the dashboard starts (a ~100 MB
/// file takes a moment), so that `r` rarely waits for it.
final class ModelIdentityPromise: Sendable {
    private let result = WatchedState<Result<ModelIdentity, Error>?>(nil)

    init(_ model: LoadedModel) {
        let thread = Thread { [result] in
            let value = Result { try ReplayRecording.identity(of: model) }
            result.update { $0 = value }
        }
        thread.name = "pdscope-model-hash"
        thread.start()
    }

    /// Waits for the hash if it is still being computed.
    func get() throws -> ModelIdentity {
        try result.wait { $0 }!.get()
    }
}
