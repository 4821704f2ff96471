import ArgumentParser
import CPlatform
import Engine
import Foundation
import Synchronization

/// The progress line of a headless run on stderr:
/// `[582/99,783 requests] 339.2 tok/s  115.3 s  ETA 4 h 51 min · overloaded: arrivals outpace completions (64,583 queued)`.
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

    /// One observation of the run.
    struct Sample: Equatable {
        var elapsed: Double
        var submitted: Int
        var done: Int
    }

    /// Seconds of history the rates are measured over.
    static let window = 10.0

    private let mode: Mode
    private let total: Int
    /// When the last request arrives (seconds from the start, after `--speed`).
    private let lastArrival: Double
    private var lastDraw = -Double.infinity
    private var drewAnything = false
    private var samples: [Sample] = []
    /// Label in front of the counts (the policy, in `compare`).
    var label: String

    init(mode: Mode, total: Int, lastArrival: Double = 0, label: String = "") {
        self.mode = mode; self.total = total; self.lastArrival = lastArrival; self.label = label
    }

    func update(done: Int, submitted: Int, tokens: Int, elapsed: Double) {
        guard case .terminal = mode, elapsed - lastDraw >= 0.2 else { return }
        lastDraw = elapsed
        samples.append(Sample(elapsed: elapsed, submitted: submitted, done: done))
        samples.removeAll { $0.elapsed < elapsed - Self.window }
        var line = Self.line(label: label, total: total, lastArrival: lastArrival, tokens: tokens, samples: samples)
        if let width = Self.terminalWidth(), line.count >= width { line = String(line.prefix(width - 1)) }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drewAnything = true
    }

    /// The line for the newest of `samples` (oldest first, spanning at most `window` seconds).
    static func line(label: String, total: Int, lastArrival: Double, tokens: Int, samples: [Sample]) -> String {
        guard let now = samples.last else { return "" }
        let rate = now.elapsed > 0 ? Double(tokens) / now.elapsed : 0
        let prefix = label.isEmpty ? "" : label + " "
        var line = prefix + "[\(EngineLimits.grouped(now.done))/\(EngineLimits.grouped(total)) requests] "
            + String(format: "%.1f tok/s  %.1f s", rate, now.elapsed)
        if now.done < total {
            line += "  ETA " + (eta(total: total, lastArrival: lastArrival, samples: samples).map(duration) ?? "unknown")
        }
        if isOverloaded(samples) {
            line += " · overloaded: arrivals outpace completions (\(EngineLimits.grouped(now.submitted - now.done)) queued)"
        }
        return line
    }

    /// Seconds until every request is done at the recent completion rate, and no sooner than the
    /// last arrival; nil while nothing completes.
    static func eta(total: Int, lastArrival: Double, samples: [Sample]) -> Double? {
        guard let first = samples.first, let now = samples.last else { return nil }
        let span = now.elapsed - first.elapsed
        // The window's rate once it is long enough to mean something, else the whole run's.
        let rate = span >= 2 ? Double(now.done - first.done) / span : (now.elapsed > 0 ? Double(now.done) / now.elapsed : 0)
        guard rate > 0 else { return nil }
        return max(Double(total - now.done) / rate, lastArrival - now.elapsed)
    }

    /// Over the window: more requests arrived than completed, and the backlog grew by a margin
    /// (not just the few in flight).
    static func isOverloaded(_ samples: [Sample]) -> Bool {
        guard let first = samples.first, let now = samples.last, now.elapsed - first.elapsed >= 3 else { return false }
        let arrived = now.submitted - first.submitted, completed = now.done - first.done
        let growth = (now.submitted - now.done) - (first.submitted - first.done)
        return Double(arrived) > 1.2 * Double(completed) && growth >= 5
    }

    /// 17,460 s → "4 h 51 min"; 75 s → "1 min 15 s".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        if s >= 60 { return "\(s / 60) min \(s % 60) s" }
        return "\(s) s"
    }

    private static func terminalWidth() -> Int? {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Clears the line so the summary starts on a clean one.
    func finish() {
        if drewAnything { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// A flag set by SIGINT, SIGTERM or SIGHUP (or a test), read by the run loop and the submitter.
final class InterruptFlag: Sendable {
    private let value = Mutex<Int32>(0)
    var isSet: Bool { signal != 0 }
    /// The signal that set it (SIGINT when set by a test); 0 while unset.
    var signal: Int32 { value.withLock { $0 } }
    func set(signal: Int32 = SIGINT) { value.withLock { if $0 == 0 { $0 = signal } } }
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
    /// The pipe's read end (-1 when the handlers could not be installed).
    private let fd: Int32

    init() {
        let fd = pd_stop_signals_install()
        self.fd = fd
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

    /// A second signal that arrived while the run was stopping, but before the reader thread took
    /// it off the pipe, still forces the exit: checked once more before the summary is printed.
    func exitIfSignalledAgain() {
        guard fd >= 0, flag.isSet else { return }
        let signal = pd_stop_signals_wait(fd, 0)
        guard signal > 0 else { return }
        printError("\npdscope: \(Self.name(of: signal)) again: stopping now, without the summary")
        _exit(128 + signal)
    }
}

extension InterruptCatcher {
    /// The `run()` of every headless command: produce the output with stop signals caught, print
    /// it, and exit 128 + the signal (130 for Ctrl-C, 143 for SIGTERM) when the run was cut short.
    static func printOutput(_ output: (RunProgress.Mode, InterruptFlag) throws -> (String, Bool)) throws {
        let catcher = InterruptCatcher()
        defer { catcher.stop() }
        let (text, interrupted) = try output(.automatic, catcher.flag)
        if interrupted { catcher.exitIfSignalledAgain() }
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        if interrupted { throw ExitCode(catcher.flag.isSet ? catcher.flag.exitStatus : 130) }
    }
}
