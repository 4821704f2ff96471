extension Tokenizer {
    /// Encodes `text` into token ids, with BOS first when `addBOS` is true.
    ///
    /// Same result as llama2.c's quadratic loop (merge the best-scoring adjacent pair, leftmost on
    /// ties, until none merges) but in O(n log n): symbols form a doubly linked list and candidate
    /// pairs sit in a max-heap; an entry whose symbols have changed since it was pushed is skipped.
    public func encode(_ text: String, addBOS: Bool = true) -> [Int32] {
        var out: [Int32] = []
        if addBOS { out.append(bosId) }
        if text.isEmpty { return out }

        var symbols = initialSymbols(text)
        guard !symbols.isEmpty else { return out }
        let n = symbols.count
        // prev/next links; -1 ends the list. Symbol 0 is always alive: merges keep the left one.
        var prev = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = Int32(i) - 1 }
            count = n
        }
        var next = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = i + 1 < n ? Int32(i + 1) : -1 }
            count = n
        }
        var heap = MergeHeap()
        heap.reserve(n)
        for i in 0..<(n - 1) { pushPair(left: Int32(i), right: Int32(i + 1), symbols: symbols, into: &heap) }

        while let c = heap.pop() {
            let l = Int(c.left), r = Int(c.right)
            guard next[l] == c.right, symbols[l] == c.leftToken, symbols[r] == c.rightToken else { continue }
            symbols[l] = c.merged
            symbols[r] = -1
            let after = next[r]
            next[l] = after
            if after >= 0 { prev[Int(after)] = c.left }
            if prev[l] >= 0 { pushPair(left: prev[l], right: c.left, symbols: symbols, into: &heap) }
            if after >= 0 { pushPair(left: c.left, right: after, symbols: symbols, into: &heap) }
        }

        var i: Int32 = 0
        while i >= 0 {
            out.append(symbols[Int(i)])
            i = next[Int(i)]
        }
        return out
    }

    /// One symbol per UTF-8 character, or one byte token per byte when the character is not a
    /// piece. Spaces become '▁', and a '▁' goes first when the space prefix is on.
    func initialSymbols(_ text: String) -> [Int32] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 3)
        if addsSpacePrefix { bytes += [0xE2, 0x96, 0x81] }
        for b in text.utf8 {
            if b == 0x20 { bytes += [0xE2, 0x96, 0x81] } else { bytes.append(b) }
        }
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            var len = Tokenizer.utf8Length(lead: bytes[i])
            // Stop a character at the next non-continuation byte, so broken input cannot swallow it.
            var j = 1
            while j < len, i + j < bytes.count, bytes[i + j] & 0xC0 == 0x80 { j += 1 }
            len = j
            if let id = charTokens[Tokenizer.charKey(bytes[i..<(i + len)])] {
                symbols.append(id)
            } else {
                for k in i..<(i + len) { symbols.append(byteTokens[Int(bytes[k])]) }
            }
            i += len
        }
        return symbols
    }

    @inline(__always)
    private func pushPair(left: Int32, right: Int32, symbols: [Int32], into heap: inout MergeHeap) {
        let lt = symbols[Int(left)], rt = symbols[Int(right)]
        guard let merged = pairTokens[Tokenizer.pairKey(lt, rt)] else { return }
        heap.push(MergeCandidate(score: scores[Int(merged)], left: left, right: right,
                                 leftToken: lt, rightToken: rt, merged: merged))
    }
}

/// A possible merge of two adjacent symbols, remembered with the tokens they had when pushed.
struct MergeCandidate {
    var score: Float
    var left: Int32
    var right: Int32
    var leftToken: Int32
    var rightToken: Int32
    var merged: Int32

    /// Heap order: higher score first; on equal scores the leftmost pair, as llama2.c's scan.
    @inline(__always)
    func goesBefore(_ other: MergeCandidate) -> Bool {
        score != other.score ? score > other.score : left < other.left
    }
}

/// A binary max-heap of merge candidates (kept tiny and local: the only user is `encode`).
struct MergeHeap {
    private var items: [MergeCandidate] = []

    mutating func reserve(_ n: Int) { items.reserveCapacity(n) }

    mutating func push(_ item: MergeCandidate) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].goesBefore(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> MergeCandidate? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return top }
        items[0] = last
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < n, items[l].goesBefore(items[best]) { best = l }
            if r < n, items[r].goesBefore(items[best]) { best = r }
            if best == i { break }
            items.swapAt(i, best)
            i = best
        }
        return top
    }
}
