import XCTest
@testable import Model

/// The attention plan: the same calls whatever the thread count (so the bits cannot depend on
/// it), every (row, head) covered once, and causal work balanced across threads.
final class AttentionPlanTests: XCTestCase {
    private func prefillRows(_ range: Range<Int>, sequence: Int = 0) -> [ForwardRow] {
        range.map { ForwardRow(token: 1, position: $0, sequence: sequence) }
    }

    private func cost(_ item: AttentionPlan.Item, _ plan: AttentionPlan) -> Int {
        plan.counts[item.tile].reduce(0, +) * item.heads
    }

    func testCallsDoNotDependOnThreadCount() {
        // A mixed step: a prefill chunk that starts mid-sequence, and three decode rows.
        let rows = prefillRows(1536..<2048) + [7, 300, 9].enumerated().map { ForwardRow(token: 2, position: $1, sequence: $0 + 1) }
        let one = AttentionPlan(rows: rows, headCount: 9, groupSize: 3, tileRows: 16, threads: 1)
        XCTAssertEqual(one.work.count, 1)
        for threads in 2...5 {
            let plan = AttentionPlan(rows: rows, headCount: 9, groupSize: 3, tileRows: 16, threads: threads)
            XCTAssertEqual(plan.tiles, one.tiles)
            XCTAssertEqual(plan.counts, one.counts)
            XCTAssertEqual(plan.work.count, threads)
            let calls = plan.work.flatMap { $0 }.sorted { ($0.tile, $0.head) < ($1.tile, $1.head) }
            XCTAssertEqual(calls, one.work[0], "\(threads) threads make other calls")
        }
    }

    func testEveryRowAndHeadIsComputedOnce() {
        let rows = prefillRows(0..<37) + [ForwardRow(token: 2, position: 40, sequence: 1)]
        let plan = AttentionPlan(rows: rows, headCount: 9, groupSize: 3, tileRows: 16, threads: 2)
        var seen = [[Int]](repeating: [Int](repeating: 0, count: 9), count: rows.count)
        for item in plan.work.flatMap({ $0 }) {
            for r in plan.tiles[item.tile] { for h in item.head..<(item.head + item.heads) { seen[r][h] += 1 } }
        }
        XCTAssertEqual(seen, [[Int]](repeating: [Int](repeating: 1, count: 9), count: rows.count))
        // The decode row's heads go as KV groups (K and V stream once per group).
        let decodeTile = plan.tiles.firstIndex { $0 == 37..<38 }
        XCTAssertEqual(plan.work.flatMap { $0 }.filter { $0.tile == decodeTile }.map(\.heads), [3, 3, 3])
    }

    func testCausalWorkIsBalancedAcrossTwoThreads() {
        for range in [0..<512, 1536..<2048, 0..<100] {
            let plan = AttentionPlan(rows: prefillRows(range), headCount: 9, groupSize: 3, tileRows: 16, threads: 2)
            let loads = plan.work.map { $0.reduce(0) { $0 + cost($1, plan) } }
            let total = loads.reduce(0, +)
            XCTAssertLessThan(Double(loads.max()!) / (Double(total) / 2), 1.02, "rows \(range): loads \(loads)")
        }
    }
}
