/// A one-row bar chart of recent values (e.g. the last inter-token gaps of a user). Bars are scaled
/// to the largest value in view, so one stall stands out as a full bar among low ones, but never
/// to less than twice the median: a flat line draws as flat half-height bars, not as a wall of
/// full ones that reads like a stall everywhere.
public struct Sparkline: Widget {
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
        let top = maximum ?? max(shown.max() ?? 0, Self.headroom * Self.median(shown))
        var line = ""
        for v in shown {
            guard v > 0, top > 0, v.isFinite else { line.append(bars[0]); continue }
            // Any non-zero value gets at least the lowest bar: a gap is never invisible.
            let level = min(bars.count - 1, max(1, Int((v / top * Double(bars.count - 1)).rounded())))
            line.append(bars[level])
        }
        buffer.put(line, x: rect.x, y: rect.y, style: style, maxWidth: rect.width)
    }

    /// The scale's floor as a multiple of the median value in view.
    static let headroom = 2.0

    static func median<C: Collection>(_ values: C) -> Double where C.Element == Double {
        let sorted = values.filter(\.isFinite).sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
