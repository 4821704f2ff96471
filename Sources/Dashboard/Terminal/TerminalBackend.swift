import CNcurses
import CPlatform
import Foundation

/// Why the live dashboard cannot start, worded for the person at the terminal.
public enum TerminalError: Error, CustomStringConvertible, Equatable {
    case notATerminal
    case unusableTerminal(term: String)

    public var description: String {
        switch self {
        case .notATerminal:
            return "pdscope: standard output is not a terminal, so the live dashboard cannot draw; "
                + "to look at a recorded run without one, use `pdscope replay <trace>`"
        case let .unusableTerminal(term):
            return "pdscope: cannot use terminal type TERM=\(term.isEmpty ? "(unset)" : term); try TERM=xterm-256color"
        }
    }
}

/// The only code that talks to ncurses. It applies screen-buffer diffs, reads keys with a
/// timeout, tracks the size, and restores the terminal on stop, on SIGINT/SIGTERM/SIGHUP (caught
/// onto a pipe the UI loop polls, see `takeStopSignal`) and on a crash (a C handler writes a
/// precomputed restore sequence).
/// Every method must be called from the one UI thread: Debian's ncurses is not reentrant.
public final class TerminalBackend {
    public let glyphs: GlyphSet
    public let isColorEnabled: Bool
    private var screen: OpaquePointer?
    private var previous: ScreenBuffer?
    private var pairs: [Int32: Int16] = [:]
    private var isStopped = false
    /// Read end of the pipe the stop-signal handler writes to (-1 if it could not be made).
    private var stopSignals: Int32 = -1

    /// Starts curses on stdin/stdout. Honours NO_COLOR; without a UTF-8 locale tries C.UTF-8,
    /// else draws ASCII glyphs.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard pds_is_tty(STDOUT_FILENO) != 0, pds_is_tty(STDIN_FILENO) != 0 else { throw TerminalError.notATerminal }
        glyphs = Self.setUpLocale() ? .unicode : .ascii
        pd_crash_restore_save_modes()
        guard let screen = pds_newterm() else { throw TerminalError.unusableTerminal(term: environment["TERM"] ?? "") }
        self.screen = screen
        set_term(screen)
        let wantsColor = (environment["NO_COLOR"] ?? "").isEmpty
        isColorEnabled = wantsColor && has_colors()
        if isColorEnabled { start_color(); use_default_colors() }
        cbreak(); noecho(); nonl()
        keypad(pds_stdscr(), true)
        set_escdelay(25)   // Esc leaves the input line at once, not after ncurses' default second
        curs_set(0)
        Self.prepareCrashRestore()
        stopSignals = pd_stop_signals_install()
    }

    deinit { stop() }

    /// A UTF-8 codeset from the environment, or C.UTF-8 if that exists (Debian ships it).
    private static func setUpLocale() -> Bool {
        setlocale(LC_ALL, "")
        if isUTF8() { return true }
        return setlocale(LC_ALL, "C.UTF-8") != nil && isUTF8()
    }

    private static func isUTF8() -> Bool {
        guard let codeset = pds_codeset() else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    /// The escape sequence the crash handler writes: leave the alternate screen, show the cursor,
    /// reset attributes. Looked up now because a signal handler may not call into terminfo.
    private static func prepareCrashRestore() {
        var sequence = ""
        for capability in ["rmcup", "cnorm", "sgr0"] {
            if let value = tigetstr(capability), Int(bitPattern: value) > 0 { sequence += String(cString: value) }
        }
        pd_crash_restore_install(sequence + "\r\n")
    }

    public var size: (width: Int, height: Int) {
        (Int(getmaxx(pds_stdscr())), Int(getmaxy(pds_stdscr())))
    }

    /// Draws what changed since the last frame, then places (or hides) the cursor.
    public func draw(_ buffer: ScreenBuffer, cursor: (x: Int, y: Int)?) {
        let window = pds_stdscr()
        for change in buffer.changes(since: previous) {
            let style = change.style
            pds_set_style(window, style.isBold ? 1 : 0, style.isDim ? 1 : 0, style.isReverse ? 1 : 0, pair(for: style))
            var wide = change.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
            wide.append(0)
            mvwaddnwstr(window, Int32(change.y), Int32(change.x), wide, Int32(wide.count - 1))
        }
        previous = buffer
        if let cursor {
            curs_set(1); wmove(window, Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(window)
        doupdate()
    }

    /// Forgets the last frame so the next `draw` repaints everything (after a resize).
    public func invalidate() {
        previous = nil
        clearok(pds_stdscr(), true)
    }

    /// Waits up to `timeoutMilliseconds` for a key (0 = just poll).
    public func readKey(timeoutMilliseconds: Int) -> Key? {
        wtimeout(pds_stdscr(), Int32(max(0, timeoutMilliseconds)))
        var value: wint_t = 0
        let result = wget_wch(pds_stdscr(), &value)
        if result == KEY_CODE_YES { return Self.key(forCode: Int32(value)) }
        guard result == OK else { return nil }
        return Self.key(forCharacter: UInt32(value))
    }

    private static func key(forCode code: Int32) -> Key {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_RESIZE: return .resize
        default: return .unknown
        }
    }

    static func key(forCharacter value: UInt32) -> Key {
        switch value {
        case 10, 13: return .enter
        case 9: return .tab
        case 3: return .interrupt   // Ctrl-C when the terminal passes it as a key (raw mode)
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard value >= 32, let scalar = Unicode.Scalar(value) else { return .unknown }
            return .character(Character(scalar))
        }
    }

    /// The SIGINT, SIGTERM or SIGHUP that arrived since the last call, or nil. Does not wait.
    public func takeStopSignal() -> Int32? {
        guard stopSignals >= 0 else { return nil }
        let signal = pd_stop_signals_wait(stopSignals, 0)
        return signal > 0 ? signal : nil
    }

    /// Ends curses and restores the terminal; safe to call twice.
    public func stop() {
        guard !isStopped else { return }
        isStopped = true
        curs_set(1)
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
        pd_crash_restore_remove()
        if stopSignals >= 0 {
            pd_stop_signals_remove()
            close(stopSignals)
            stopSignals = -1
        }
    }

    /// A colour pair for the style's colours (0 = terminal default). Pairs are made on first use;
    /// bright colours fall back to basic ones on 8-colour terminals.
    private func pair(for style: Style) -> Int16 {
        guard isColorEnabled, style.foreground >= 0 || style.background >= 0 else { return 0 }
        let colors = Int16(clamping: pds_colors())
        let fg = style.foreground >= colors ? style.foreground - 8 : style.foreground
        let bg = style.background >= colors ? style.background - 8 : style.background
        let key = Int32(fg) << 16 | Int32(UInt16(bitPattern: bg))
        if let existing = pairs[key] { return existing }
        let next = Int16(pairs.count + 1)
        guard Int32(next) < pds_color_pairs() else { return 0 }
        init_pair(next, fg, bg)
        pairs[key] = next
        return next
    }
}
