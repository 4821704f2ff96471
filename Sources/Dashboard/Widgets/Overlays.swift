/// The screen shown when the terminal is below the minimum size: says what it has and what it needs.
public struct TooSmallScreen: Widget {
    public var width: Int, height: Int
    public var minimumWidth: Int, minimumHeight: Int

    public init(width: Int, height: Int, minimumWidth: Int = 80, minimumHeight: Int = 24) {
        self.width = width; self.height = height; self.minimumWidth = minimumWidth; self.minimumHeight = minimumHeight
    }

    public func message(times: Character) -> String {
        "terminal too small: have \(width)\(times)\(height), need \(minimumWidth)\(times)\(minimumHeight)"
    }

    /// Clears `rect` (the whole screen) and centres the message (wrapped when even it does not fit).
    public func render(into buffer: inout ScreenBuffer, rect: Rect) {
        buffer.fill(rect)
        let lines = TextView.wrap(message(times: buffer.glyphs.times), width: rect.width)
        let top = rect.y + max(0, (rect.height - lines.count) / 2)
        for (i, line) in lines.prefix(rect.height).enumerated() {
            buffer.put(line, x: rect.x + max(0, (rect.width - line.terminalWidth) / 2), y: top + i, style: .bold,
                       maxWidth: rect.width)
        }
    }
}

/// The `?` overlay: a centred box listing the keys, then a legend of the sparkline and block map.
public struct HelpOverlay: Widget {
    public static let entries: [(key: String, action: String)] = [
        ("i / Enter", "type a prompt (@user text sets the user)"),
        ("Esc", "leave the input line"),
        ("L / S", "send a long / short prompt"),
        ("g", "load generator on/off"),
        ("[ / ]", "load generator rate down / up"),
        ("+ / -", "frames per second up / down"),
        ("p", "pause the display"),
        ("Up/Down, Tab", "select a user"),
        ("r", "start / stop recording a trace"),
        ("x", "cancel the selected user's request"),
        ("c", "restart under the next policy (same load)"),
        ("?", "show / hide this help"),
        ("q, Ctrl-C", "quit"),
    ]

    /// What the two drawings mean, below the keys.
    public static let legend: [(key: String, action: String)] = [
        ("itl trend", "a user's token gaps, newest right: a tall bar is a stall"),
        ("", "(scaled to the largest gap shown, at least 2× the median)"),
        ("KV block map", "█ a block held by a request (one colour per request) · free"),
    ]

    public init() {}

    /// Draws a box centred in `area` (the whole screen).
    public func render(into buffer: inout ScreenBuffer, rect area: Rect) {
        let all = Self.entries + [("", "")] + Self.legend
        let keyWidth = all.map { $0.key.terminalWidth }.max() ?? 0
        let lines = all.map { $0.key.isEmpty && $0.action.isEmpty ? "" : $0.key.padded(toWidth: keyWidth) + "  " + $0.action }
        let width = min(area.width, (lines.map(\.terminalWidth).max() ?? 0) + 4)
        let height = min(area.height, lines.count + 2)
        let rect = Rect(x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2,
                        width: width, height: height)
        let inner = Box(title: "keys", style: .bold, clearsInterior: true).framing(into: &buffer, rect: rect)
        for (i, line) in lines.prefix(inner.height).enumerated() {
            buffer.put(" " + line, x: inner.x, y: inner.y + i, maxWidth: inner.width)
        }
    }
}
