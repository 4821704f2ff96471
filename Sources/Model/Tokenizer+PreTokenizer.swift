/// How byte-level BPE text is cut into words before merging (GGUF `tokenizer.ggml.pre`).
///
/// `smollm` (llama.cpp's pre-type of the same name, shared with StarCoder) first makes every
/// number character a word of its own, then applies GPT-2's rule inside each piece:
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
/// Written as a scanner over code points rather than a regex: linear, and no regex engine's
/// idea of `\s` or `\p{L}` to disagree with llama.cpp's.
enum PreTokenizer: String, CaseIterable, Sendable {
    case smollm

    /// Character classes the split rules look at.
    enum CharClass: UInt8 { case letter, number, whitespace, other }

    /// Word boundaries in `cps`, as ranges of code point indices covering all of it.
    func split(_ cps: [UInt32]) -> [Range<Int>] {
        let classes = cps.map(Self.charClass)
        var words: [Range<Int>] = []
        words.reserveCapacity(cps.count / 3 + 1)
        // Step 1: each number character alone; the stretches between them are split by step 2.
        var start = 0
        for i in classes.indices where classes[i] == .number {
            Self.splitGPT2(cps, classes, start, i, into: &words)
            words.append(i..<(i + 1))
            start = i + 1
        }
        Self.splitGPT2(cps, classes, start, cps.count, into: &words)
        return words
    }

    /// GPT-2's rule on `lo..<hi`; nothing outside that range is looked at (no look-ahead past it).
    private static func splitGPT2(_ cps: [UInt32], _ classes: [CharClass], _ lo: Int, _ hi: Int,
                                  into words: inout [Range<Int>]) {
        func cls(_ i: Int) -> CharClass? { i < hi ? classes[i] : nil }
        var pos = lo
        func cut(_ end: Int) { if end > pos { words.append(pos..<end) }; pos = end }
        let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20
        while pos < hi {
            let c = cps[pos]
            // 's 't 'm 'd 're 've 'll (lower case only, as GPT-2)
            if c == apostrophe, pos + 1 < hi {
                let n1 = cps[pos + 1]
                if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 { cut(pos + 2); continue }
                if pos + 2 < hi {
                    let n2 = cps[pos + 2]
                    if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) {
                        cut(pos + 3); continue
                    }
                }
            }
            // An optional space, then a run of letters, of numbers, or of other non-space characters.
            let leadingSpace = c == space
            if let kind = cls(leadingSpace ? pos + 1 : pos), kind != .whitespace {
                var end = leadingSpace ? pos + 1 : pos
                while cls(end) == kind { end += 1 }
                cut(end); continue
            }
            // Whitespace: a run followed by more text leaves its last character to the next word.
            var n = 0
            while cls(pos + n) == .whitespace { n += 1 }
            if n > 1, pos + n < hi { cut(pos + n - 1); continue }
            cut(pos + max(n, 1))
        }
    }

    /// llama.cpp's classes: letters are L*, numbers N*, whitespace the White_Space property.
    static func charClass(_ cp: UInt32) -> CharClass {
        if cp < 0x80 { return asciiClasses[Int(cp)] }
        guard let scalar = Unicode.Scalar(cp) else { return .other }
        let p = scalar.properties
        if p.isWhitespace { return .whitespace }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    private static let asciiClasses: [CharClass] = (0..<128).map { cp -> CharClass in
        switch cp {
        case 0x09...0x0D, 0x20: return .whitespace
        case 0x30...0x39: return .number
        case 0x41...0x5A, 0x61...0x7A: return .letter
        default: return .other
        }
    }
}

/// UTF-8 ↔ code points the way llama.cpp reads prompts: each byte that does not start a
/// well-formed sequence becomes U+FFFD on its own (so the same file gives the same tokens).
enum LenientUTF8 {
    static func codePoints(_ bytes: ArraySlice<UInt8>) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        let end = bytes.endIndex
        func cont(_ k: Int) -> UInt32? {
            guard k < end, bytes[k] & 0xC0 == 0x80 else { return nil }
            return UInt32(bytes[k] & 0x3F)
        }
        while i < end {
            let b = bytes[i]
            if b < 0x80 { out.append(UInt32(b)); i += 1; continue }
            if b & 0x40 == 0 { out.append(0xFFFD); i += 1; continue }
            if b & 0x20 == 0, let c1 = cont(i + 1) {
                out.append(UInt32(b & 0x1F) << 6 | c1); i += 2; continue
            }
            if b & 0x20 != 0, b & 0x10 == 0, let c1 = cont(i + 1), let c2 = cont(i + 2) {
                out.append(UInt32(b & 0x0F) << 12 | c1 << 6 | c2); i += 3; continue
            }
            if b & 0x30 == 0x30, b & 0x08 == 0, let c1 = cont(i + 1), let c2 = cont(i + 2), let c3 = cont(i + 3) {
                let cp = UInt32(b & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
                out.append(cp <= 0x10FFFF ? cp : 0xFFFD); i += 4; continue
            }
            out.append(0xFFFD); i += 1
        }
        return out
    }

    static func append(_ cp: UInt32, to bytes: inout [UInt8]) {
        switch cp {
        case 0..<0x80: bytes.append(UInt8(cp))
        case 0x80..<0x800:
            bytes.append(0xC0 | UInt8(cp >> 6)); bytes.append(0x80 | UInt8(cp & 0x3F))
        case 0x800..<0x10000:
            bytes.append(0xE0 | UInt8(cp >> 12)); bytes.append(0x80 | UInt8(cp >> 6 & 0x3F))
            bytes.append(0x80 | UInt8(cp & 0x3F))
        default:
            bytes.append(0xF0 | UInt8(cp >> 18)); bytes.append(0x80 | UInt8(cp >> 12 & 0x3F))
            bytes.append(0x80 | UInt8(cp >> 6 & 0x3F)); bytes.append(0x80 | UInt8(cp & 0x3F))
        }
    }
}
