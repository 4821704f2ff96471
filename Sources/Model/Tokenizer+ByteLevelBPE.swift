/// GPT-2 style byte-level BPE (GGUF `tokenizer.ggml.model = gpt2`, llama.cpp's BPE vocabulary).
///
/// Each byte of the text is written as one printable character (GPT-2's byte↔unicode table: the
/// printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100...), so a space is
/// 'Ġ' and a newline 'Ċ'. The pre-tokenizer cuts the text into words; inside a word, adjacent
/// symbols are merged by the rank of their pair in `tokenizer.ggml.merges` (lowest rank first,
/// leftmost on ties) until no pair has a rank; each remaining symbol is a token.
struct ByteLevelBPE {
    let preTokenizer: PreTokenizer
    /// Ranked merges, keyed by `SymbolMerging.pairKey(left, right)`.
    let rules: [UInt64: MergeRule]
    /// Symbol of each byte value: the token whose text is that byte's character.
    let byteSymbols: [Int32]
    let vocabSize: Int
    /// Texts of symbols that are not tokens (`vocabSize + i`): halfway merges the vocabulary lacks.
    let extraSymbols: [[UInt8]]
    /// Token whose text is the single byte `b` (used only for symbols that are not tokens), or -1.
    let singleByteTokens: [Int32]

    func encode(_ text: ArraySlice<UInt8>, into out: inout [Int32]) {
        guard !text.isEmpty else { return }
        let cps = LenientUTF8.codePoints(text)
        var bytes: [UInt8] = []
        var symbols: [Int32] = []
        for word in preTokenizer.split(cps) {
            bytes.removeAll(keepingCapacity: true)
            for i in word { LenientUTF8.append(cps[i], to: &bytes) }
            symbols.removeAll(keepingCapacity: true)
            for b in bytes { symbols.append(byteSymbols[Int(b)]) }
            let first = out.count
            SymbolMerging.merge(symbols, rules: rules, into: &out)
            if out[first...].contains(where: { Int($0) >= vocabSize }) { replaceExtraSymbols(from: first, in: &out) }
        }
    }

    /// Like llama.cpp, a symbol that is not a token becomes the tokens of its single bytes, if any.
    private func replaceExtraSymbols(from first: Int, in out: inout [Int32]) {
        let tail = Array(out[first...])
        out.removeSubrange(first...)
        for id in tail {
            guard Int(id) >= vocabSize else { out.append(id); continue }
            for b in extraSymbols[Int(id) - vocabSize] where singleByteTokens[Int(b)] >= 0 {
                out.append(singleByteTokens[Int(b)])
            }
        }
    }

    // MARK: - Tables

    /// GPT-2's table: the code point that stands for each byte.
    static let byteToCodePoint: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable { table[b] = UInt32(b) } else { table[b] = next; next += 1 }
        }
        return table
    }()

    static let codePointToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, cp) in byteToCodePoint.enumerated() { map[cp] = UInt8(b) }
        return map
    }()

    /// The bytes a normal token's text stands for. Characters outside the table (not produced by
    /// GPT-2 vocabularies) are kept as their own UTF-8.
    static func decodedBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in text.unicodeScalars {
            if let b = codePointToByte[scalar.value] { out.append(b) } else { out += Array(String(scalar).utf8) }
        }
        return out
    }

    /// Builds the tables from the vocabulary and the merges ("left right", rank = position).
    /// Errors name the first merge that cannot be read.
    static func build(tokens: [String], merges: [String], preTokenizer: PreTokenizer) throws -> ByteLevelBPE {
        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(tokens.count + 1024)
        for (i, t) in tokens.enumerated() { ids[Array(t.utf8)] = Int32(i) }  // a later duplicate wins, as in llama.cpp
        var extra: [[UInt8]] = []
        func symbol(_ text: [UInt8]) -> Int32 {
            if let id = ids[text] { return id }
            let id = Int32(tokens.count + extra.count)
            extra.append(text)
            ids[text] = id
            return id
        }
        var rules: [UInt64: MergeRule] = [:]
        rules.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let bytes = Array(merge.utf8)
            // Split at the first space after the first character (pieces never contain a space).
            guard bytes.count >= 3, let cut = bytes[1...].firstIndex(of: 0x20), cut + 1 < bytes.count else {
                throw TokenizerError.invalid("merge \(rank) \(merge.debugDescription) is not two pieces separated by a space")
            }
            let left = Array(bytes[..<cut]), right = Array(bytes[(cut + 1)...])
            let key = SymbolMerging.pairKey(symbol(left), symbol(right))
            if rules[key] == nil { rules[key] = MergeRule(merged: symbol(left + right), priority: -Float(rank)) }
        }
        var byteSymbols = [Int32](repeating: 0, count: 256)
        for b in 0..<256 {
            var text: [UInt8] = []
            LenientUTF8.append(byteToCodePoint[b], to: &text)
            byteSymbols[b] = symbol(text)
        }
        var singles = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { if let id = ids[[UInt8(b)]], Int(id) < tokens.count { singles[b] = id } }
        return ByteLevelBPE(preTokenizer: preTokenizer, rules: rules, byteSymbols: byteSymbols,
                            vocabSize: tokens.count, extraSymbols: extra, singleByteTokens: singles)
    }
}
