import Foundation

/// The live dashboard: a controller run against the terminal at the chosen frame rate. The loop
/// is render → wait for a key up to the next frame → handle keys, all on the calling thread,
/// which owns curses. Returns when the user quits or SIGINT/SIGTERM/SIGHUP arrives, with the
/// terminal restored.
public final class DashboardApp {
    public let controller: DashboardController

    /// Redraw interval when nothing happened (seconds).
    static let idleRefresh = 0.25

    public init(controller: DashboardController) { self.controller = controller }

    /// Runs until quit. Throws `TerminalError` (with a message for the user) if the terminal cannot
    /// be used; nothing has been drawn then.
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let terminal = try TerminalBackend(environment: environment)
        defer { terminal.stop() }
        run(on: terminal)
    }

    /// Runs on a terminal the caller already started (it may have drawn a loading frame while the
    /// engine was being built). The caller stops the terminal afterwards.
    public func run(on terminal: TerminalBackend) {
        controller.options.isColorEnabled = terminal.isColorEnabled
        var buffer = ScreenBuffer(width: 0, height: 0, glyphs: terminal.glyphs)
        var nextFrame = Date()
        var lastRender = Date.distantPast
        var hadInput = true
        while !terminal.takeStopSignal() {
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
            // Wait for input until the next frame; a key redraws at once (typing feels immediate).
            var timeout = Int(nextFrame.timeIntervalSinceNow * 1000)
            while let key = terminal.readKey(timeoutMilliseconds: timeout) {
                hadInput = true
                if key == .resize { break }
                if controller.handle(key) == .quit { return }
                timeout = 0
            }
        }
    }
}
