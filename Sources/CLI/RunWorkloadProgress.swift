import ArgumentParser
import CPlatform
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

/// A flag set by SIGINT, SIGTERM or SIGHUP (or a test), read by the run loop and the submitter.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int32 = 0
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value != 0 }
    /// The signal that set it (SIGINT when set by a test); 0 while unset.
    var signal: Int32 { lock.lock(); defer { lock.unlock() }; return value }
    func set(signal: Int32 = SIGINT) { lock.lock(); if value == 0 { value = signal }; lock.unlock() }
    /// The conventional exit status of a run stopped by this signal: 128 + its number.
    var exitStatus: Int32 { 128 + signal }
}

/// Turns SIGINT, SIGTERM and SIGHUP into an `InterruptFlag` for the length of a run: their
/// default action (kill the process) would lose the summary and leave a recording without its
/// closing line. A second signal forces the exit at once. The C handler writes to a pipe; a
/// thread of ours reads it, so this works whatever threads the runtime has and however they mask
/// signals (a dispatch signal source re-raised from a thread that blocked SIGINT, and the second
/// Ctrl-C was lost).
final class InterruptCatcher {
    let flag = InterruptFlag()

    init() {
        let fd = pd_stop_signals_install()
        guard fd >= 0 else { return }
        let flag = self.flag
        let thread = Thread {
            while true {
                let signal = pd_stop_signals_wait(fd, -1)
                if signal < 0 { close(fd); return }
                if signal == 0 { continue }
                if flag.isSet {
                    printError("\npdscope: \(Self.name(of: signal)) again: stopping now, without the summary")
                    _exit(128 + signal)
                }
                printError("\npdscope: \(Self.name(of: signal)): stopping the run and closing the trace (press Ctrl-C again to force)")
                flag.set(signal: signal)
            }
        }
        thread.name = "pdscope-signals"
        thread.start()
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "interrupted"
        case SIGTERM: return "terminated (SIGTERM)"
        case SIGHUP: return "hung up (SIGHUP)"
        default: return "signal \(signal)"
        }
    }

    /// Restores the previous handlers.
    func stop() { pd_stop_signals_remove() }
}

extension InterruptCatcher {
    /// The `run()` of every headless command: produce the output with stop signals caught, print
    /// it, and exit 128 + the signal (130 for Ctrl-C, 143 for SIGTERM) when the run was cut short.
    static func printOutput(_ output: (RunProgress.Mode, InterruptFlag) throws -> (String, Bool)) throws {
        let catcher = InterruptCatcher()
        defer { catcher.stop() }
        let (text, interrupted) = try output(.automatic, catcher.flag)
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        if interrupted { throw ExitCode(catcher.flag.isSet ? catcher.flag.exitStatus : 130) }
    }
}
