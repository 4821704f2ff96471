/// A key press as the dashboard understands it, independent of ncurses key codes.
public enum Key: Equatable, Sendable {
    case character(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case backspace, delete, enter, escape, tab, backTab
    /// Ctrl-C read as a key (a terminal in raw mode sends it as a byte instead of SIGINT).
    case interrupt
    /// The terminal changed size.
    case resize
    /// A key the dashboard has no use for.
    case unknown
}
