/// How a cell looks: a foreground and background colour index and three attributes.
/// Colour indices follow the terminal's: 0–7 basic, 8–15 bright, `Style.defaultColor` (-1) = the
/// terminal's own. The backend decides whether colours are shown at all (NO_COLOR).
public struct Style: Equatable, Hashable, Sendable {
    public static let defaultColor: Int16 = -1

    public var foreground: Int16
    public var background: Int16
    public var isBold: Bool
    public var isDim: Bool
    public var isReverse: Bool

    public init(foreground: Int16 = Style.defaultColor, background: Int16 = Style.defaultColor,
                isBold: Bool = false, isDim: Bool = false, isReverse: Bool = false) {
        self.foreground = foreground; self.background = background
        self.isBold = isBold; self.isDim = isDim; self.isReverse = isReverse
    }

    public static let plain = Style()
    public static let bold = Style(isBold: true)
    public static let dim = Style(isDim: true)
    public static let reverse = Style(isReverse: true)

    public func foreground(_ color: Int16) -> Style { var s = self; s.foreground = color; return s }
    public func bolded() -> Style { var s = self; s.isBold = true; return s }
    public func dimmed() -> Style { var s = self; s.isDim = true; return s }
    public func reversed() -> Style { var s = self; s.isReverse = true; return s }
}

/// Named colour indices, so widgets say `Palette.red` rather than `1`.
public enum Palette {
    public static let black: Int16 = 0, red: Int16 = 1, green: Int16 = 2, yellow: Int16 = 3
    public static let blue: Int16 = 4, magenta: Int16 = 5, cyan: Int16 = 6, white: Int16 = 7

    /// Colours for request owners (block maps, user rows): distinct neighbours, red kept for alarms.
    static let ownerColors: [Int16] = [2, 3, 4, 5, 6, 10, 11, 12, 13, 14]

    /// A stable colour for a request id: the same request has the same colour in every map.
    public static func owner(_ id: Int) -> Int16 {
        ownerColors[((id % ownerColors.count) + ownerColors.count) % ownerColors.count]
    }
}
