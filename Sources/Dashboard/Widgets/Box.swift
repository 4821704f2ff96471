/// A bordered panel with a title in its top edge; what goes inside is drawn into `inner(of:)`.
public struct Box: Widget {
    public var title: String
    public var style: Style
    public var titleStyle: Style
    /// Blank the inside too (for overlays drawn over other widgets).
    public var clearsInterior: Bool

    public init(title: String = "", style: Style = .dim, titleStyle: Style = .bold, clearsInterior: Bool = false) {
        self.title = title; self.style = style; self.titleStyle = titleStyle; self.clearsInterior = clearsInterior
    }

    /// The area inside the frame (empty if `rect` is too small for a frame).
    public func inner(of rect: Rect) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        return rect.inset(by: 1)
    }

    /// Draws the frame, then returns the inner area: the one shortcut, because every caller of a
    /// box draws into it next.
    public func framing(into buffer: inout ScreenBuffer, rect: Rect) -> Rect {
        render(into: &buffer, rect: rect)
        return inner(of: rect)
    }

    public func render(into buffer: inout ScreenBuffer, rect: Rect) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let g = buffer.glyphs
        let inner = String(repeating: String(g.horizontal), count: rect.width - 2)
        buffer.put(String(g.topLeft) + inner + String(g.topRight), x: rect.x, y: rect.y, style: style)
        buffer.put(String(g.bottomLeft) + inner + String(g.bottomRight), x: rect.x, y: rect.maxY - 1, style: style)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            buffer.put(String(g.vertical), x: rect.x, y: y, style: style)
            if clearsInterior { buffer.fill(Rect(x: rect.x + 1, y: y, width: rect.width - 2, height: 1)) }
            buffer.put(String(g.vertical), x: rect.maxX - 1, y: y, style: style)
        }
        if !title.isEmpty, rect.width > 4 {
            let text = " " + title.truncated(toWidth: rect.width - 6, ellipsis: g.ellipsis) + " "
            buffer.put(text, x: rect.x + 1, y: rect.y, style: titleStyle, maxWidth: rect.width - 2)
        }
    }
}
