/// The editor model behind the prompt line: a list of graphemes and a cursor between them, so
/// UTF-8 text (accents, CJK, emoji) moves and deletes one visible character at a time.
public struct InputLine: Equatable {
    /// What Enter produced: the prompt text and the user named by a leading `@name`, if any.
    public struct Submission: Equatable {
        public var user: String?
        public var text: String
    }

    public private(set) var characters: [Character] = []
    /// Index in `characters` before which typing inserts (0...count).
    public private(set) var cursor = 0
    /// Longest accepted input; a huge paste is cut here rather than growing without bound.
    public var maxLength: Int

    public init(maxLength: Int = 16_384) { self.maxLength = maxLength }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Inserts typed or pasted text at the cursor. Newlines and tabs become spaces (a paste is one
    /// prompt), other control characters are dropped.
    public mutating func insert(_ string: String) {
        for var ch in string where characters.count < maxLength {
            if ch == "\n" || ch == "\r\n" || ch == "\r" || ch == "\t" { ch = " " }
            guard CharacterWidth.of(ch) != nil else { continue }
            // A combining mark typed on its own joins the character before it.
            if CharacterWidth.of(ch) == 0, cursor > 0 {
                var joined = String(characters[cursor - 1]); joined.append(ch)
                characters[cursor - 1] = Character(joined)
                continue
            }
            characters.insert(ch, at: cursor); cursor += 1
        }
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1); cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }
    public mutating func clear() { characters = []; cursor = 0 }

    /// Takes the line: nil when it holds only spaces (or only `@user`), else the parsed submission.
    /// The line is cleared either way.
    public mutating func submit() -> Submission? {
        defer { clear() }
        return Self.parse(text)
    }

    /// `@alice tell me a story` → user "alice", text "tell me a story"; no `@` → user nil.
    public static func parse(_ line: String) -> Submission? {
        let trimmed = line.trimmingSpaces
        var user: String? = nil, body = trimmed
        if trimmed.hasPrefix("@") {
            let name = trimmed.dropFirst().prefix { $0 != " " }
            if !name.isEmpty { user = String(name) }
            body = String(trimmed.dropFirst(1 + name.count)).trimmingSpaces
        }
        return body.isEmpty ? nil : Submission(user: user, text: body)
    }

}

/// An input line as drawn: its text scrolled so that the cursor is visible.
public struct InputField: Widget {
    public var line: InputLine
    public var style: Style

    public init(_ line: InputLine, style: Style = .plain) { self.line = line; self.style = style }

    public func render(into buffer: inout ScreenBuffer, rect: Rect) {
        guard !rect.isEmpty else { return }
        let start = scroll(width: rect.width).start
        buffer.fill(rect, style: style)
        buffer.put(String(line.characters[start...]), x: rect.x, y: rect.y, style: style, maxWidth: rect.width)
    }

    /// The screen column of the cursor when drawn into `rect`.
    public func cursorColumn(in rect: Rect) -> Int {
        rect.isEmpty ? rect.x : rect.x + scroll(width: rect.width).used
    }

    /// Starts from the cursor and walks left while the text before it still fits (one column is
    /// kept for the cursor): the first character shown and the columns before the cursor.
    private func scroll(width: Int) -> (start: Int, used: Int) {
        var start = line.cursor, used = 0
        while start > 0 {
            let w = CharacterWidth.of(line.characters[start - 1]) ?? 0
            if used + w > width - 1 { break }
            used += w; start -= 1
        }
        return (start, used)
    }
}

extension String {
    var trimmingSpaces: String {
        let chars = Array(self)
        guard let first = chars.firstIndex(where: { $0 != " " }) else { return "" }
        let last = chars.lastIndex(where: { $0 != " " })!
        return String(chars[first...last])
    }
}
