/// What two adjacent symbols merge into, and how urgently: the pair with the highest priority
/// merges first (SentencePiece: the merged piece's score; byte-level BPE: minus the merge's rank).
struct MergeRule {
    var merged: Int32
    var priority: Float
}

/// The merge loop both tokenizer algorithms share.
///
/// Same result as rescanning all pairs after every merge (take the best pair, the leftmost on
/// ties, until none merges) but in O(n log n): symbols form a doubly linked list and candidate
/// pairs sit in a max-heap; an entry whose symbols have changed since it was pushed is skipped.
enum SymbolMerging {
    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Merges `symbols` by `rules` and appends what is left to `out`.
    static func merge(_ input: [Int32], rules: [UInt64: MergeRule], into out: inout [Int32]) {
        let n = input.count
        if n <= 1 { out += input; return }
        var symbols = input
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
        func push(_ left: Int32, _ right: Int32) {
            let lt = symbols[Int(left)], rt = symbols[Int(right)]
            guard let rule = rules[pairKey(lt, rt)] else { return }
            heap.push(MergeCandidate(priority: rule.priority, left: left, right: right,
                                     leftToken: lt, rightToken: rt, merged: rule.merged))
        }
        for i in 0..<(n - 1) { push(Int32(i), Int32(i + 1)) }

        while let c = heap.pop() {
            let l = Int(c.left), r = Int(c.right)
            guard next[l] == c.right, symbols[l] == c.leftToken, symbols[r] == c.rightToken else { continue }
            symbols[l] = c.merged
            symbols[r] = -1
            let after = next[r]
            next[l] = after
            if after >= 0 { prev[Int(after)] = c.left }
            if prev[l] >= 0 { push(prev[l], c.left) }
            if after >= 0 { push(c.left, after) }
        }

        var i: Int32 = 0
        while i >= 0 {
            out.append(symbols[Int(i)])
            i = next[Int(i)]
        }
    }
}

/// A possible merge of two adjacent symbols, remembered with the tokens they had when pushed.
struct MergeCandidate {
    var priority: Float
    var left: Int32
    var right: Int32
    var leftToken: Int32
    var rightToken: Int32
    var merged: Int32

    /// Heap order: higher priority first; on equal priorities the leftmost pair.
    @inline(__always)
    func goesBefore(_ other: MergeCandidate) -> Bool {
        priority != other.priority ? priority > other.priority : left < other.left
    }
}

/// A binary max-heap of merge candidates (kept tiny and local: the only user is `SymbolMerging`).
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
