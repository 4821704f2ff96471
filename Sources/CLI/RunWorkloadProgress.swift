import ArgumentParser
import Dispatch
import Foundation

/// The progress line of a headless run on stderr: `[12/40 requests] 85.3 tok/s  14.2 s`.
/// Rewritten in place (carriage return) when stderr is a terminal; silent otherwise, so logs and
/// pipes get only the summary.
final class RunProgress {
    enum Mode {
        case off
        /// Rewrite one line in place.
        case terminal
        /// Automatic: `terminal` when stderr is a tty, else `off`.
        static var automatic: Mode { isatty(STDERR_FILENO) == 1 ? .terminal : .off }
    }

    private let mode: Mode
    private let total: Int
    private var lastDraw = -Double.infinity
    private var drewAnything = false
    /// Label in front of the counts (the policy, in `compare`).
    var label: String

    init(mode: Mode, total: Int, label: String = "") {
        self.mode = mode; self.total = total; self.label = label
    }

    func update(done: Int, tokens: Int, elapsed: Double) {
        guard case .terminal = mode, elapsed - lastDraw >= 0.2 else { return }
        lastDraw = elapsed
        let rate = elapsed > 0 ? Double(tokens) / elapsed : 0
        let prefix = label.isEmpty ? "" : label + " "
        let line = String(format: "%@[%d/%d requests] %.1f tok/s  %.1f s", prefix, done, total, rate, elapsed)
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drewAnything = true
    }

    /// Clears the line so the summary starts on a clean one.
    func finish() {
        if drewAnything { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// A flag set by SIGINT (or a test), read by the run loop and the submitter.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// Turns SIGINT into an `InterruptFlag` for the length of a run: the default action (kill the
/// process) would leave a recording without its closing line and the engine's threads mid-step.
/// A dispatch signal source runs the handler as ordinary code, not in signal context.
final class InterruptCatcher {
    let flag = InterruptFlag()
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue.global())
        let flag = self.flag
        source.setEventHandler {
            if !flag.isSet { printError("\npdscope: interrupted; stopping the run and closing the trace (press Ctrl-C again to force)") }
            else { signal(SIGINT, SIG_DFL); raise(SIGINT) }
            flag.set()
        }
        source.resume()
    }

    /// Restores the default SIGINT action.
    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

extension InterruptCatcher {
    /// The `run()` of every headless command: produce the output with Ctrl-C caught, print it,
    /// and exit 130 when the run was cut short.
    static func printOutput(_ output: (RunProgress.Mode, InterruptFlag) throws -> (String, Bool)) throws {
        let catcher = InterruptCatcher()
        defer { catcher.stop() }
        let (text, interrupted) = try output(.automatic, catcher.flag)
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        if interrupted { throw ExitCode(130) }
    }
}
