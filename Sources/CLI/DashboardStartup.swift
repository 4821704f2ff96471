import Dashboard
import Foundation
import Synchronization

/// The frames around the dashboard's slow moments, drawn while the work runs on another thread:
/// "loading model…" at start (the first frame is on screen at once; the embedded model takes
/// ~0.35 s in a release build and several seconds in a debug one), and "stopping…" at quit
/// (aborting what is queued and closing the recording). Stop signals are noticed throughout.
enum DashboardStartup {
    enum Outcome<T> {
        case done(T)
        /// The user left first: `q` or Ctrl-C while loading, a second signal while stopping.
        case cancelled(DashboardExit)
    }

    enum Phase {
        case loading, stopping

        var lines: (String, String) {
            switch self {
            case .loading: return ("loading model…", "q quits")
            case .stopping: return ("stopping… (aborting open requests, closing the recording)", "Ctrl-C again forces")
            }
        }
    }

    /// Returns `work`'s result, or how the user left first; rethrows its error.
    static func run<T>(_ phase: Phase, on terminal: TerminalBackend, _ work: @escaping () throws -> T) throws -> Outcome<T> {
        let job = ForkedWork(run: work)
        let box = ResultBox<T>()
        let thread = Thread { box.set(Result { try job.run() }) }
        thread.name = phase == .loading ? "pdscope-loader" : "pdscope-stopper"
        thread.start()
        let started = Date()
        var buffer = ScreenBuffer(width: 0, height: 0, glyphs: terminal.glyphs)
        while true {
            if let result = box.get() { return .done(try result.get()) }
            if let signal = terminal.takeStopSignal() { return .cancelled(.signal(signal)) }
            let (width, height) = terminal.size
            if width != buffer.width || height != buffer.height {
                buffer = ScreenBuffer(width: width, height: height, glyphs: terminal.glyphs)
                terminal.invalidate()
            }
            render(phase, into: &buffer, seconds: Date().timeIntervalSince(started))
            terminal.draw(buffer, cursor: nil)
            // Short waits: the result is picked up within 50 ms of being ready.
            switch terminal.readKey(timeoutMilliseconds: 50) {
            case .interrupt?: return .cancelled(.signal(SIGINT))
            case .character("q")? where phase == .loading: return .cancelled(.quit)
            default: break
            }
        }
    }

    static func render(_ phase: Phase, into buffer: inout ScreenBuffer, seconds: Double) {
        buffer.clear()
        let (what, hint) = phase.lines
        let lines = ["pdscope", what + " " + String(format: "%.1f s", seconds), hint]
        let top = max(0, buffer.height / 2 - 1)
        for (i, line) in lines.enumerated() {
            let x = max(0, (buffer.width - line.count) / 2)
            buffer.put(line, x: x, y: top + i, style: i == 0 ? .bold : (i == 2 ? .dim : .plain), maxWidth: buffer.width)
        }
    }
}

/// The work of a phase. While it runs, the UI thread only draws with the terminal and touches
/// what the work captured again only after its result is back (or never, when the user leaves).
// Unchecked: a fork-join between OS threads, which `sending` cannot express (the stopping work
// captures the dashboard's UI-thread objects, which the caller uses again after the join).
private struct ForkedWork<T>: @unchecked Sendable { let run: () throws -> T }

/// One value handed from a worker thread to the UI thread.
private final class ResultBox<T>: Sendable {
    private let handoff = Mutex<Handoff<Result<T, Error>>?>(nil)
    func set(_ result: sending Result<T, Error>) {
        let ready = Handoff(result)
        handoff.withLock { $0 = ready }
    }
    /// The result once it is there (returned once).
    func get() -> sending Result<T, Error>? { handoff.withLock { $0 }?.take() }
}
