import Dashboard
import Foundation

/// The first frame within a second: the terminal shows a "loading model…" frame at once while
/// the model and engine are built on another thread (the embedded model takes ~0.35 s in a
/// release build and several seconds in a debug one). `q`, Ctrl-C or SIGTERM cancel.
enum DashboardStartup {
    /// Returns `work`'s result, nil if the user quit first; rethrows its error.
    static func build<T>(on terminal: TerminalBackend, _ work: @escaping () throws -> T) throws -> T? {
        let box = ResultBox<T>()
        let thread = Thread { box.set(Result { try work() }) }
        thread.name = "pdscope-loader"
        thread.start()
        let started = Date()
        var buffer = ScreenBuffer(width: 0, height: 0, glyphs: terminal.glyphs)
        while true {
            if let result = box.get() { return try result.get() }
            if terminal.takeStopSignal() { return nil }
            let (width, height) = terminal.size
            if width != buffer.width || height != buffer.height {
                buffer = ScreenBuffer(width: width, height: height, glyphs: terminal.glyphs)
                terminal.invalidate()
            }
            render(into: &buffer, seconds: Date().timeIntervalSince(started))
            terminal.draw(buffer, cursor: nil)
            // Short waits: the result is picked up within 50 ms of being ready.
            if let key = terminal.readKey(timeoutMilliseconds: 50), key == .character("q") { return nil }
        }
    }

    static func render(into buffer: inout ScreenBuffer, seconds: Double) {
        buffer.clear()
        let lines = ["pdscope", "loading model… " + String(format: "%.1f s", seconds), "q quits"]
        let top = max(0, buffer.height / 2 - 1)
        for (i, line) in lines.enumerated() {
            let x = max(0, (buffer.width - line.count) / 2)
            buffer.put(line, x: x, y: top + i, style: i == 0 ? .bold : (i == 2 ? .dim : .plain), maxWidth: buffer.width)
        }
    }
}

/// One value handed from a worker thread to the UI thread.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, Error>?
    func set(_ v: Result<T, Error>) { lock.withLock { value = v } }
    func get() -> Result<T, Error>? { lock.withLock { value } }
}
