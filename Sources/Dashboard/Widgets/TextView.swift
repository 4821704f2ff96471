/// Wrapped text that follows its tail, like a terminal: the streaming output of the selected user.
/// Lines break at spaces when possible, inside a word only when the word is wider than the view.
public struct TextView: Widget {
    public var text: String
    public var style: Style

    public init(text: String, style: Style = .plain) { self.text = text; self.style = style }

    /// `text` broken into lines of at most `width` columns. Newlines start a new line; tabs and other
    /// control characters become spaces.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", lineWidth = 0
            var lastSpace: String.Index? = nil   // in `line`, for breaking at a word boundary
            for var ch in paragraph {
                if CharacterWidth.of(ch) == nil { ch = " " }
                let w = CharacterWidth.of(ch) ?? 0
                if lineWidth + w > width {
                    if ch == " " { lines.append(line); line = ""; lineWidth = 0; lastSpace = nil; continue }
                    if let space = lastSpace {
                        let rest = String(line[line.index(after: space)...])
                        lines.append(String(line[..<space]))
                        line = rest; lineWidth = rest.terminalWidth
                    } else {
                        lines.append(line); line = ""; lineWidth = 0
                    }
                    lastSpace = nil
                }
                if ch == " " { lastSpace = line.endIndex }
                line.append(ch); lineWidth += w
            }
            lines.append(line)
        }
        return lines
    }

    /// Draws the last lines that fit, so new text is always visible.
    public func render(into buffer: inout ScreenBuffer, rect: Rect) {
        guard !rect.isEmpty else { return }
        let lines = Self.wrap(text, width: rect.width).suffix(rect.height)
        for (i, line) in lines.enumerated() {
            buffer.put(line, x: rect.x, y: rect.y + i, style: style, maxWidth: rect.width)
        }
    }
}
