/// A one-row bar chart of recent values (e.g. the last inter-token gaps of a user). Bars are scaled
/// to the largest value in view, so one stall stands out as a full bar among low ones.
public struct Sparkline {
    public var values: [Double]
    /// Scale maximum; nil = the largest visible value.
    public var maximum: Double?
    public var style: Style

    public init(values: [Double], maximum: Double? = nil, style: Style = .plain) {
        self.values = values; self.maximum = maximum; self.style = style
    }

    /// Draws the most recent `rect.width` values, oldest on the left, in the first row of `rect`.
    public func render(into buffer: inout ScreenBuffer, rect: Rect) {
        guard !rect.isEmpty else { return }
        let bars = buffer.glyphs.sparkBars
        let shown = values.suffix(rect.width)
        let top = maximum ?? shown.max() ?? 0
        var line = ""
        for v in shown {
            guard v > 0, top > 0, v.isFinite else { line.append(bars[0]); continue }
            // Any non-zero value gets at least the lowest bar: a gap is never invisible.
            let level = min(bars.count - 1, max(1, Int((v / top * Double(bars.count - 1)).rounded())))
            line.append(bars[level])
        }
        buffer.put(line, x: rect.x, y: rect.y, style: style, maxWidth: rect.width)
    }
}
