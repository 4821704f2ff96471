import TestSupport
import XCTest
@testable import Kernels

/// Attention at SmolLM2's full context (8,192) runs an online softmax over fixed segments of
/// `Ops.attentionSplit` positions: it must still match the plain reference, and a row must give
/// the same bits alone, in any tile and wherever its tile starts.
final class AttentionLongContextTests: XCTestCase {
    func testLongContextsMatchReference() {
        var rng = TestRandom(seed: 81)
        forEachISA { isa in
            // Scale 1 makes the softmax peaky, so the running maximum moves between segments and
            // the rescaling of earlier segments matters; 0.125 is the model's 1/√64.
            // Cache types alternate between cases (each type sees a full 8,192-position context).
            for (index, (headDim, blockSize, count, scale)) in [(64, 16, 8192, Float(0.125)), (64, 32, 8192, 1), (64, 16, 129, 1),
                                                                (32, 16, 4097, 1), (12, 16, 1000, 1)].enumerated() {
                let type = KVCacheType.allCases[index % 2]
                let cache = PagedKVStorage(type: type, positions: count, blockSize: blockSize, stride: headDim * 2, rng: &rng)
                let q = (0..<headDim).map { _ in Float.random(in: -2...2, using: &rng) }
                var fast = [Float](repeating: .nan, count: headDim), slow = fast
                var scores = [Float](repeating: .nan, count: Ops.attentionScratch(rows: 1, count: count))
                var referenceScores = [Float](repeating: 0, count: count)
                Ops.attentionHead(q: q, kv: cache.kv, offset: headDim, headDim: headDim, count: count, scale: scale, scores: &scores, out: &fast)
                Reference.attentionHead(q: q, kv: cache.kv, offset: headDim, headDim: headDim, count: count, scale: scale,
                                        scores: &referenceScores, out: &slow)
                for i in 0..<headDim {
                    XCTAssertEqual(fast[i], slow[i], accuracy: 2e-5, "\(isa) \(type) headDim \(headDim) count \(count) scale \(scale) [\(i)]")
                }
            }
        }
    }

    func testRowsAreBitwiseTheSameAloneAndInAnyTile() {
        var rng = TestRandom(seed: 82)
        forEachISA { isa in
            // Tiles that start before, on and after segment boundaries, up to the full context.
            for (headDim, start, rows) in [(64, 0, 16), (64, 120, 16), (64, 250, 7), (32, 127, 5), (12, 300, 9), (64, 8176, 16)] {
                let total = start + rows, qStride = headDim * 3
                for type in KVCacheType.allCases {
                    let cache = PagedKVStorage(type: type, positions: total, blockSize: 16, stride: headDim * 2, rng: &rng)
                    let q = (0..<(rows * qStride)).map { _ in Float.random(in: -2...2, using: &rng) }
                    var scores = [Float](repeating: .nan, count: Ops.attentionScratch(rows: rows, count: total))
                    q.withUnsafeBufferPointer { qp in
                        func tile(_ range: Range<Int>) -> [Float] {
                            var out = [Float](repeating: .nan, count: rows * qStride)
                            Ops.attentionTile(q: qp.baseAddress! + range.lowerBound * qStride, qStride: qStride,
                                              counts: range.map { start + $0 + 1 }, kv: cache.kv, offset: 0, headDim: headDim,
                                              scale: 1, scores: &scores, out: &out, outStride: qStride)
                            return out
                        }
                        let whole = tile(0..<rows), tail = tile((rows / 2)..<rows)
                        var alone = [Float](repeating: .nan, count: headDim)
                        for r in 0..<rows {
                            Ops.attentionHead(q: qp.baseAddress! + r * qStride, kv: cache.kv, offset: 0, headDim: headDim,
                                              count: start + r + 1, scale: 1, scores: &scores, out: &alone)
                            let inWhole = Array(whole[(r * qStride)..<(r * qStride + headDim)])
                            XCTAssertEqual(inWhole.map(\.bitPattern), alone.map(\.bitPattern), "\(isa) \(type) headDim \(headDim) start \(start) row \(r)")
                            if r >= rows / 2 {
                                let local = r - rows / 2
                                let inTail = Array(tail[(local * qStride)..<(local * qStride + headDim)])
                                XCTAssertEqual(inTail.map(\.bitPattern), alone.map(\.bitPattern), "\(isa) \(type) tail tile, row \(r)")
                            }
                        }
                    }
                }
            }
        }
    }
}
