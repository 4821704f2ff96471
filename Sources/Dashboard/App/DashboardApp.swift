import Foundation

/// Why the dashboard's loop ended.
public enum DashboardExit: Equatable, Sendable {
    /// `q`.
    case quit
    /// SIGINT (or the Ctrl-C key), SIGTERM or SIGHUP: the process should exit with 128 + signal.
    case signal(Int32)

    /// The process's exit status for this ending: 0, or 128 + the signal (130, 143, 129).
    public var exitStatus: Int32 {
        switch self {
        case .quit: return 0
        case .signal(let number): return 128 + number
        }
    }
}

/// The live dashboard: a controller run against the terminal at the chosen frame rate. The loop
/// is render → wait for a key up to the next frame → handle keys, all on the calling thread,
/// which owns curses. Returns when the user quits or SIGINT/SIGTERM/SIGHUP (or the Ctrl-C key)
/// arrives, within a tenth of a second whatever the frame rate.
public final class DashboardApp {
    public let controller: DashboardController

    /// Redraw interval when nothing happened (seconds).
    static let idleRefresh = 0.25
    /// Longest single wait for a key, so a stop signal is noticed quickly even at 1 fps.
    static let longestWaitMilliseconds = 100

    public init(controller: DashboardController) { self.controller = controller }

    /// Runs until quit. Throws `TerminalError` (with a message for the user) if the terminal cannot
    /// be used; nothing has been drawn then.
    @discardableResult
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DashboardExit {
        let terminal = try TerminalBackend(environment: environment)
        defer { terminal.stop() }
        return run(on: terminal)
    }

    /// Runs on a terminal the caller already started (it may have drawn a loading frame while the
    /// engine was being built). The caller stops the terminal afterwards.
    @discardableResult
    public func run(on terminal: TerminalBackend) -> DashboardExit {
        controller.options.isColorEnabled = terminal.isColorEnabled
        var buffer = ScreenBuffer(width: 0, height: 0, glyphs: terminal.glyphs)
        var nextFrame = Date()
        var lastRender = Date.distantPast
        var hadInput = true
        while true {
            if let signal = terminal.takeStopSignal() { return .signal(signal) }
            let (width, height) = terminal.size
            var mustRender = hadInput
            if width != buffer.width || height != buffer.height {
                buffer = ScreenBuffer(width: width, height: height, glyphs: terminal.glyphs)
                terminal.invalidate()
                mustRender = true
            }
            // Quiet engine, no keys: ages and uptime still tick, but four frames a second show that.
            if controller.update() > 0 || mustRender || Date().timeIntervalSince(lastRender) >= Self.idleRefresh {
                let cursor = controller.render(into: &buffer)
                terminal.draw(buffer, cursor: cursor)
                lastRender = Date()
            }
            hadInput = false

            nextFrame = max(nextFrame.addingTimeInterval(controller.frameInterval), Date())
            // Wait for input until the next frame, in slices short enough to notice a stop signal
            // at any frame rate; after a key, only drain the keys already typed, then draw (typing
            // feels immediate).
            while true {
                let remaining = hadInput ? 0 : max(0, Int(nextFrame.timeIntervalSinceNow * 1000))
                let slice = min(remaining, Self.longestWaitMilliseconds)
                guard let key = terminal.readKey(timeoutMilliseconds: slice) else {
                    if slice == remaining { break }
                    if let signal = terminal.takeStopSignal() { return .signal(signal) }
                    continue
                }
                hadInput = true
                if key == .interrupt { return .signal(SIGINT) }
                if key == .resize { break }
                if controller.handle(key) == .quit { return .quit }
            }
        }
    }
}
