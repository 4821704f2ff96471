/// One screen cell. `text` is one grapheme (possibly with combining marks); the cell right of a
/// double-width grapheme holds "" so that columns stay aligned with the terminal.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var style: Style

    public init(text: String = " ", style: Style = .plain) { self.text = text; self.style = style }

    public static let blank = Cell()
    var isContinuation: Bool { text.isEmpty }
}

/// An off-screen grid of cells. Widgets draw here and never touch the terminal; the backend asks
/// for `changes(since:)` and redraws only those, and tests compare `lines()` with literal text.
public struct ScreenBuffer: Equatable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public var glyphs: GlyphSet
    private var cells: [Cell]

    public init(width: Int, height: Int, glyphs: GlyphSet = .unicode) {
        self.width = max(0, width); self.height = max(0, height); self.glyphs = glyphs
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, y >= 0, x < width, y < height else { return .blank }
        return cells[y * width + x]
    }

    /// Resets every cell to a blank in `style`.
    public mutating func clear(style: Style = .plain) {
        for i in cells.indices { cells[i] = Cell(text: " ", style: style) }
    }

    /// Writes `string` from (x, y), clipped to `maxWidth` columns and to the buffer. A wide
    /// character that would straddle the clip edge is replaced by a space. Control characters are
    /// skipped. Returns the number of columns written.
    @discardableResult
    public mutating func put(_ string: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        var col = x
        for original in string {
            let ch = glyphs.drawable(original)
            guard let w = CharacterWidth.of(ch) else { continue }
            if w == 0 {
                // A stray mark: attach to the previous cell so it is not lost, takes no column.
                if col - 1 >= max(0, x), col - 1 < limit { appendToCell(x: col - 1, y: y, ch) }
                continue
            }
            if col + w > limit {
                if col < limit, col >= 0 { setCell(x: col, y: y, Cell(text: " ", style: style)) ; col += 1 }
                break
            }
            if col >= 0 {
                setCell(x: col, y: y, Cell(text: String(ch), style: style))
                if w == 2 { setCell(x: col + 1, y: y, Cell(text: "", style: style)) }
            }
            col += w
        }
        return max(0, col - max(x, 0))
    }

    /// Fills a rectangle with one single-width character, writing cells directly (no width lookups
    /// per cell: this runs for every box on every frame).
    public mutating func fill(_ rect: Rect, with character: Character = " ", style: Style = .plain) {
        let ch = glyphs.drawable(character)
        guard CharacterWidth.of(ch) == 1 else { return }
        let cell = Cell(text: String(ch), style: style)
        let x0 = max(0, rect.x), x1 = min(width, rect.maxX)
        guard x0 < x1 else { return }
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            // Edges may cut a wide character in half: let setCell blank the other half.
            setCell(x: x0, y: y, cell)
            if x1 - 1 > x0 { setCell(x: x1 - 1, y: y, cell) }
            for x in (x0 + 1)..<max(x0 + 1, x1 - 1) { cells[y * width + x] = cell }
        }
    }

    /// Changes the style of cells in `rect` without touching their text (selection highlights).
    public mutating func restyle(_ rect: Rect, _ transform: (Style) -> Style) {
        for y in max(0, rect.y)..<min(height, rect.maxY) where rect.x < width {
            for x in max(0, rect.x)..<min(width, rect.maxX) { cells[y * width + x].style = transform(cells[y * width + x].style) }
        }
    }

    /// Every row as text (continuation cells contribute nothing), for tests and plain dumps.
    public func lines() -> [String] {
        (0..<height).map { y in cells[(y * width)..<((y + 1) * width)].map(\.text).joined() }
    }

    private mutating func setCell(x: Int, y: Int, _ cell: Cell) {
        guard x >= 0, x < width else { return }
        let i = y * width + x
        // Overwriting half of a wide character blanks the other half, as a terminal would.
        if cells[i].isContinuation, x > 0 { cells[i - 1].text = " " }
        if x + 1 < width, cells[i + 1].isContinuation, !cells[i].isContinuation { cells[i + 1].text = " " }
        cells[i] = cell
    }

    private mutating func appendToCell(x: Int, y: Int, _ ch: Character) {
        guard x >= 0, x < width else { return }
        var i = y * width + x
        if cells[i].isContinuation, x > 0 { i -= 1 }
        cells[i].text.append(ch)
    }
}

/// A run of changed cells on one row with one style: what the backend must redraw.
public struct ScreenChange: Equatable, Sendable {
    public var x: Int, y: Int
    public var text: String
    public var style: Style
}

extension ScreenBuffer {
    /// The runs of cells that differ from `previous` (everything when there is no previous frame or
    /// its size differs). A changed wide character also redraws its continuation, so runs never
    /// start in the middle of one. Cost: O(width × height).
    public func changes(since previous: ScreenBuffer?) -> [ScreenChange] {
        let full = previous == nil || previous!.width != width || previous!.height != height
        var result: [ScreenChange] = []
        for y in 0..<height {
            var run: ScreenChange? = nil
            for x in 0..<width {
                let cell = self[x, y]
                var changed = full || previous![x, y] != cell
                // A continuation cell belongs to the character on its left: redraw with it.
                if cell.isContinuation, let r = run, r.x + r.text.terminalWidth > x { changed = true }
                if !changed {
                    if let r = run { result.append(r); run = nil }
                    continue
                }
                if cell.isContinuation && run == nil && x > 0 {
                    // Only the right half changed: redraw its left half too.
                    run = ScreenChange(x: x - 1, y: y, text: self[x - 1, y].text, style: self[x - 1, y].style)
                    continue
                }
                if var r = run, r.style == cell.style {
                    r.text += cell.text; run = r
                } else {
                    if let r = run { result.append(r) }
                    run = ScreenChange(x: x, y: y, text: cell.text, style: cell.style)
                }
            }
            if let r = run { result.append(r) }
        }
        return result
    }
}
