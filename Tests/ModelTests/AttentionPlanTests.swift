import XCTest
@testable import Model

/// The attention plan: every (row, head) covered once, tiles within one sequence's consecutive
/// rows, and an order that lets claiming threads end together.
final class AttentionPlanTests: XCTestCase {
    private func prefillRows(_ range: Range<Int>, sequence: Int = 0) -> [ForwardRow] {
        range.map { ForwardRow(token: 1, position: $0, sequence: sequence) }
    }

    private func cost(_ item: AttentionPlan.Item, _ plan: AttentionPlan) -> Int {
        plan.counts[item.tile].reduce(0, +) * item.heads
    }

    func testEveryRowAndHeadIsComputedOnce() {
        let rows = prefillRows(0..<37) + [ForwardRow(token: 2, position: 40, sequence: 1)]
        let plan = AttentionPlan(rows: rows, headCount: 9, groupSize: 3, tileRows: 16)
        var seen = [[Int]](repeating: [Int](repeating: 0, count: 9), count: rows.count)
        for item in plan.items {
            for r in plan.tiles[item.tile] { for h in item.head..<(item.head + item.heads) { seen[r][h] += 1 } }
        }
        XCTAssertEqual(seen, [[Int]](repeating: [Int](repeating: 1, count: 9), count: rows.count))
        // The decode row's heads go as KV groups (K and V stream once per group).
        let decodeTile = plan.tiles.firstIndex { $0 == 37..<38 }
        XCTAssertEqual(plan.items.filter { $0.tile == decodeTile }.map(\.heads), [3, 3, 3])
    }

    func testTilesDoNotStraddleSequencesOrGaps() {
        // A prefill chunk that starts mid-sequence, and three decode rows.
        let rows = prefillRows(1536..<1570) + [7, 300, 9].enumerated().map { ForwardRow(token: 2, position: $1, sequence: $0 + 1) }
        let plan = AttentionPlan(rows: rows, headCount: 9, groupSize: 3, tileRows: 16)
        XCTAssertEqual(plan.tiles, [0..<16, 16..<32, 32..<34, 34..<35, 35..<36, 36..<37])
        XCTAssertEqual(plan.counts[2], [1569, 1570])
    }

    /// Threads claiming the calls in the plan's order (each takes the next when it is free) end
    /// close together: within each KV head's calls the long ones go first.
    func testClaimingInPlanOrderBalancesCausalWork() {
        for range in [0..<512, 1536..<2048, 0..<100] {
            let plan = AttentionPlan(rows: prefillRows(range), headCount: 9, groupSize: 3, tileRows: 16)
            let costs = plan.items.map { cost($0, plan) + 1 }
            let groups = plan.items.map { $0.head / 3 }
            XCTAssertEqual(groups, groups.sorted(), "one KV head's calls together")
            for g in 0..<3 {
                let inGroup = plan.items.indices.filter { groups[$0] == g }.map { costs[$0] }
                XCTAssertEqual(inGroup, inGroup.sorted(by: >), "longest first within KV head \(g)")
            }
            for threads in 2...3 {
                var ends = [Int](repeating: 0, count: threads)
                for c in costs { ends[ends.indices.min { ends[$0] < ends[$1] }!] += c }
                let total = costs.reduce(0, +)
                XCTAssertLessThan(Double(ends.max()!) / (Double(total) / Double(threads)), 1.02, "rows \(range): ends \(ends)")
            }
        }
    }
}
