/// The characters widgets draw with. `.unicode` for UTF-8 terminals; `.ascii` when no UTF-8 locale
/// is available, because ncurses then silently drops every non-ASCII glyph.
public struct GlyphSet: Equatable, Sendable {
    /// Nine sparkline levels, from empty to full.
    public var sparkBars: [Character]
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character
    /// Marks text cut short.
    public var ellipsis: Character
    /// A KV block in use (coloured by owner) and a free one (drawn dim).
    public var usedBlock: Character
    public var freeBlock: Character
    /// "×" in sizes like 80×24.
    public var times: Character
    /// The recording indicator.
    public var recordDot: Character
    /// Between a user name and its streaming text.
    public var arrow: Character
    /// From → to, in transfer lines.
    public var rightArrow: String
    /// When set, the buffer turns every non-ASCII character it is given into an ASCII stand-in, so
    /// text from anywhere (separators in labels, users' prompts) stays drawable.
    public var isASCIIOnly = false

    public static let unicode = GlyphSet(
        sparkBars: Array(" ▁▂▃▄▅▆▇█"), horizontal: "─", vertical: "│",
        topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ellipsis: "…", usedBlock: "█", freeBlock: "·", times: "×", recordDot: "●", arrow: "▸", rightArrow: "→")

    public static let ascii = GlyphSet(
        sparkBars: Array(" .:-=+*#@"), horizontal: "-", vertical: "|",
        topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ellipsis: "~", usedBlock: "#", freeBlock: ".", times: "x", recordDot: "*", arrow: ">", rightArrow: "->", isASCIIOnly: true)
}

extension GlyphSet {
    private static let asciiStandIns: [Character: Character] = [
        "·": ".", "…": "~", "×": "x", "●": "*", "▸": ">", "→": ">", "─": "-", "│": "|", "█": "#",
        "▁": ".", "▂": ".", "▃": ":", "▄": "-", "▅": "=", "▆": "+", "▇": "*", "≤": "<", "≥": ">",
    ]

    /// The character as this glyph set can draw it.
    func drawable(_ ch: Character) -> Character {
        guard isASCIIOnly, !ch.isASCII else { return ch }
        return Self.asciiStandIns[ch] ?? "?"
    }
}
