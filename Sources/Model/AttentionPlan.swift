/// How one pass's attention is cut into `Ops.attentionTile` calls, and the order the instance's
/// threads claim them in. Built once per pass (every layer has the same rows) and shared by all
/// layers.
///
/// The calls are fixed by the rows alone: tiles of up to `tileRows` consecutive rows of one
/// sequence, one call per (tile, query head), except that a one-row tile (a decode row) takes the
/// query heads sharing a KV head together so K and V stream once per group. Which thread runs a
/// call is decided at run time (the threads claim them), and a call computes the same bits on any
/// thread, so a row's output does not depend on it.
struct AttentionPlan {
    /// One `attentionTile` call: the rows of `tiles[tile]` for query heads head..<head+heads.
    struct Item: Equatable {
        var tile: Int
        var head: Int
        var heads: Int
    }

    /// Row index ranges of the pass, each rows of one sequence at consecutive positions.
    let tiles: [Range<Int>]
    /// Positions each row of a tile sees (non-decreasing), per tile.
    let counts: [[Int]]
    /// Every call, grouped by the KV head it reads and longest first within a group. Grouped: the
    /// calls of one KV head run one after another, so its K and V stay in cache between them (on a
    /// 2,048-token prefill a head's K and V are ~0.5 MB a layer, all heads' ~1.5 MB). Longest
    /// first: causal rows late in a chunk see more positions than early ones, and claiming the
    /// long calls first leaves short ones to even out the threads' ends. Deterministic (ties keep
    /// the order of tiles and heads).
    let items: [Item]

    init(rows: [ForwardRow], headCount: Int, groupSize: Int, tileRows: Int) {
        var tiles: [Range<Int>] = []
        var i = 0
        while i < rows.count {
            var j = i + 1
            while j < rows.count, j - i < tileRows, rows[j].sequence == rows[i].sequence,
                  rows[j].position == rows[j - 1].position + 1 { j += 1 }
            tiles.append(i..<j)
            i = j
        }
        let counts = tiles.map { tile in tile.map { rows[$0].position + 1 } }
        var items: [Item] = []
        var costs: [Int] = []
        for t in tiles.indices {
            let heads = tiles[t].count == 1 ? groupSize : 1
            // Work of one call ~ (query rows) x (positions each sees), summed.
            let cost = counts[t].reduce(0, +) * heads
            for h in stride(from: 0, to: headCount, by: heads) {
                items.append(Item(tile: t, head: h, heads: heads))
                costs.append(cost)
            }
        }
        self.tiles = tiles
        self.counts = counts
        let key = { (i: Int) in (items[i].head / groupSize, -costs[i], i) }
        self.items = items.indices.sorted { key($0) < key($1) }.map { items[$0] }
    }
}
