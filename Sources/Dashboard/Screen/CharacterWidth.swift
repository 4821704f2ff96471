/// How many terminal columns a character takes, like `wcwidth` but independent of the process
/// locale, so tests and the backend agree. CJK and emoji-presentation characters take two columns,
/// combining marks and format characters none, control characters are not drawable (nil).
enum CharacterWidth {
    /// East Asian Wide and Fullwidth ranges (Unicode EastAsianWidth.txt, W and F), outside the
    /// emoji that `isEmojiPresentation` already covers.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
        0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
        0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4,
        0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// Widths of the Basic Multilingual Plane, computed once (-1 = control). Unicode property
    /// lookups are slow enough that a 200×60 frame of box lines would spend most of its time in them.
    private static let bmpWidths: [Int8] = (0..<0x10000).map { v in
        guard let scalar = Unicode.Scalar(UInt32(v)) else { return 1 }   // surrogates never reach us
        return Int8(computeWidth(scalar) ?? -1)
    }

    /// Columns for one scalar, or nil for a control character.
    static func of(_ scalar: Unicode.Scalar) -> Int? {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F { return 1 }
        if v < 0x10000 {
            let w = bmpWidths[Int(v)]
            return w < 0 ? nil : Int(w)
        }
        return computeWidth(scalar)
    }

    private static func computeWidth(_ scalar: Unicode.Scalar) -> Int? {
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return nil }
        if v < 0x300 { return 1 }   // fast path: Latin
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(v) || v == 0x200B { return 0 }   // Hangul medial jamo, ZWSP
        if scalar.properties.isEmojiPresentation { return 2 }
        for range in wideRanges where range.contains(v) { return 2 }
        return 1
    }

    /// Columns for a grapheme cluster: its base character's width, widened to two by an emoji
    /// variation selector (U+FE0F). Nil if it starts with a control character.
    static func of(_ character: Character) -> Int? {
        var scalars = character.unicodeScalars.makeIterator()
        guard let first = scalars.next(), let base = of(first) else { return nil }
        var width = base
        while let next = scalars.next() {
            if next.value == 0xFE0F { width = max(width, 2) }
            if width == 0, let w = of(next) { width = w }   // a lone mark followed by a base
        }
        return width
    }

    /// Columns for a whole string (control characters count as zero).
    static func of(_ string: String) -> Int {
        var total = 0
        for ch in string { total += of(ch) ?? 0 }
        return total
    }
}

extension String {
    /// The number of terminal columns this string takes.
    public var terminalWidth: Int { CharacterWidth.of(self) }

    /// The string cut to `width` columns, ending in `ellipsis` when something was cut.
    public func truncated(toWidth width: Int, ellipsis: Character = "…") -> String {
        guard width > 0 else { return "" }
        if terminalWidth <= width { return self }
        let budget = width - (CharacterWidth.of(ellipsis) ?? 1)
        var out = "", used = 0
        for ch in self {
            let w = CharacterWidth.of(ch) ?? 0
            if used + w > budget { break }
            out.append(ch); used += w
        }
        return budget >= 0 ? out + String(ellipsis) : ""
    }

    /// Padded with spaces (or cut) to exactly `width` columns, aligned left or right.
    public func padded(toWidth width: Int, alignRight: Bool = false, ellipsis: Character = "…") -> String {
        let cut = truncated(toWidth: width, ellipsis: ellipsis)
        let pad = String(repeating: " ", count: max(0, width - cut.terminalWidth))
        return alignRight ? pad + cut : cut + pad
    }
}
