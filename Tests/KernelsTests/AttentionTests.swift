import XCTest
@testable import Kernels

/// The paged attention kernel against its plain twin, on scattered blocks.
final class AttentionTests: XCTestCase {
    /// Outputs are convex combinations of values in [-1, 1]; float reordering and the vector exp
    /// stay well inside this.
    let attentionAbsTolerance: Float = 2e-5

    func testAttentionMatchesReferenceOnScatteredBlocks() throws {
        var rng = SystemRandomNumberGenerator()
        // Every kernel family this CPU has (forEachISA restores the best one afterwards).
        try forEachISA { isa in
        for (headDim, blockSize, count) in [(64, 16, 1), (64, 16, 37), (64, 16, 300), (32, 8, 7), (8, 4, 13),
                                            (48, 16, 100), (12, 16, 20)] {
            let kvHeads = 3, stride = headDim * kvHeads
            for type in KVCacheType.allCases {
                let cache = PagedKVStorage(type: type, positions: count, blockSize: blockSize, stride: stride, rng: &rng)
                let kv = cache.kv
                let q = (0..<headDim).map { _ in Float.random(in: -2...2, using: &rng) }
                var fast = [Float](repeating: .nan, count: headDim), slow = fast
                var scores = [Float](repeating: 0, count: count)
                for head in 0..<kvHeads {
                    Ops.attentionHead(q: q, kv: kv, offset: head * headDim, headDim: headDim, count: count, scale: 0.125, scores: &scores, out: &fast)
                    Reference.attentionHead(q: q, kv: kv, offset: head * headDim, headDim: headDim, count: count, scale: 0.125, scores: &scores, out: &slow)
                    for i in 0..<headDim {
                        XCTAssertEqual(fast[i], slow[i], accuracy: attentionAbsTolerance, "\(isa) \(type) headDim \(headDim) count \(count) head \(head) [\(i)]")
                    }
                }
            }
        }
        }
    }
}

extension AttentionTests {
    func testTileMatchesRowByRowReference() {
        var rng = SystemRandomNumberGenerator()
        for (headDim, rows, start) in [(64, 16, 0), (64, 7, 30), (32, 5, 3), (12, 4, 10)] {
            let blockSize = 16, stride = headDim * 2, total = start + rows
            for type in KVCacheType.allCases {
                let cache = PagedKVStorage(type: type, positions: total, blockSize: blockSize, stride: stride, reverseValues: true, rng: &rng)
                let kv = cache.kv
                let qStride = headDim * 3
                let q = (0..<(rows * qStride)).map { _ in Float.random(in: -2...2, using: &rng) }
                let counts = (0..<rows).map { start + $0 + 1 }
                var scores = [Float](repeating: 0, count: rows * total)
                var tile = [Float](repeating: .nan, count: rows * qStride), one = [Float](repeating: 0, count: headDim)
                q.withUnsafeBufferPointer { qp in
                    Ops.attentionTile(q: qp.baseAddress!, qStride: qStride, counts: counts, kv: kv, offset: headDim, headDim: headDim,
                                      scale: 0.125, scores: &scores, out: &tile, outStride: qStride)
                    for r in 0..<rows {
                        Reference.attentionHead(q: qp.baseAddress! + r * qStride, kv: kv, offset: headDim, headDim: headDim, count: counts[r],
                                                scale: 0.125, scores: &scores, out: &one)
                        for i in 0..<headDim {
                            XCTAssertEqual(tile[r * qStride + i], one[i], accuracy: attentionAbsTolerance, "\(type) headDim \(headDim) row \(r) [\(i)]")
                        }
                    }
                }
            }
        }
    }
}
