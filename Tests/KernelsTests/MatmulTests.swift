import TestSupport
import XCTest
import CKernels
@testable import Kernels

/// `Ops.matmul` (GEMM and row-dot kernels, every ISA, threaded) against `Reference.matmul`.
final class MatmulTests: XCTestCase {
    /// Quantized paths: integer block sums are exact and the activations are quantized bit-exactly,
    /// so only the float accumulation order differs; the error is measured against Σ|w|·|x|.
    let q8MatmulRelTolerance: Float = 2e-6
    let q4MatmulRelTolerance: Float = 2e-6
    /// Q4_1 adds m·s per block: the same exact integer sums, one more float product per block.
    let q41MatmulRelTolerance: Float = 4e-6
    /// Float paths: summation order only.
    let floatMatmulRelTolerance: Float = 2e-6

    func tolerance(_ type: TensorType) -> Float {
        switch type {
        case .q8_0: return q8MatmulRelTolerance
        case .q4_0: return q4MatmulRelTolerance
        case .q4_1: return q41MatmulRelTolerance
        case .f32, .f16: return floatMatmulRelTolerance
        }
    }

    func testAllTypesTokenCounts1To17() {
        var rng = TestRandom(seed: 1)
        for type in TensorType.allCases {
            for cols in [32, 64, 576] {
                let w = EncodedMatrix(type: type, rows: 37, cols: cols, rng: &rng)
                for tokens in 1...17 { check(w, tokens: tokens, rng: &rng) }
            }
        }
    }

    func testWideRowsAndRaggedRowCounts() {
        var rng = TestRandom(seed: 2)
        for type in TensorType.allCases {
            for rows in [1, 3, 6, 9] {
                let w = EncodedMatrix(type: type, rows: rows, cols: 1536, rng: &rng)
                for tokens in [1, 4, 8, 13] { check(w, tokens: tokens, rng: &rng) }
            }
        }
    }

    func testMoreGroupsThanOneChunk() {
        // 17 groups of 8 tokens crosses the GEMM's group-chunk boundary (16 groups).
        var rng = TestRandom(seed: 3)
        for type in [TensorType.q8_0, .q4_0, .q4_1] {
            check(EncodedMatrix(type: type, rows: 10, cols: 64, rng: &rng), tokens: 8 * 17 + 3, rng: &rng)
        }
    }

    func testThreadedResultEqualsSingleThreaded() {
        var rng = TestRandom(seed: 4)
        let pool = ComputeThreads(count: 3)
        for type in TensorType.allCases {
            for (rows, tokens) in [(37, 1), (37, 9), (5, 16), (2, 3), (37, 41)] {
                let w = EncodedMatrix(type: type, rows: rows, cols: 64, rng: &rng)
                let x = rng.floats(tokens * 64)
                let single = run(w, x: x, tokens: tokens, threads: ComputeThreads())
                XCTAssertEqual(run(w, x: x, tokens: tokens, threads: pool), single, "\(type) rows \(rows) tokens \(tokens)")
            }
        }
    }

    func testRowChunksCoverEveryRowOnceInWholeGroups() {
        for rows in [1, 4, 5, 37, 576, 1536, 49152] {
            for threads in 1...5 {
                for tokens in [1, 7, 16, 512] {
                    let chunks = RowChunks(rows: rows, tokens: tokens, threads: threads)
                    let ranges = (0..<chunks.count).map { chunks[$0] }
                    XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<rows), "rows \(rows) threads \(threads)")
                    XCTAssertTrue(ranges.allSatisfy { !$0.isEmpty && $0.lowerBound % RowChunks.rowGroup == 0 })
                    if threads == 1 { XCTAssertEqual(chunks.count, 1) }
                    if threads > 1, tokens >= 16, rows >= 8 * threads * 8 { XCTAssertGreaterThan(chunks.count, threads, "a share to even out") }
                }
            }
        }
    }

    func testFastDotsMatchReference() {
        var rng = TestRandom(seed: 5)
        for blocks in [1, 2, 18, 48] {
            let x = EncodedMatrix(type: .q8_0, rows: 1, cols: blocks * 32, rng: &rng)
            for type in [TensorType.q8_0, .q4_0] {
                let w = EncodedMatrix(type: type, rows: 1, cols: blocks * 32, rng: &rng)
                w.bytes.withUnsafeBytes { a in
                    x.bytes.withUnsafeBytes { b in
                        let reference = type == .q8_0 ? Reference.dotQ8_0Q8_0(a.baseAddress!, b.baseAddress!, blocks: blocks)
                                                      : Reference.dotQ4_0Q8_0(a.baseAddress!, b.baseAddress!, blocks: blocks)
                        let magnitude = w.magnitude(x: x.decoded, token: 0, row: 0)
                        forEachISA { isa in
                            let fast = type == .q8_0 ? Ops.dotQ8_0Q8_0(a.baseAddress!, b.baseAddress!, blocks: blocks)
                                                     : Ops.dotQ4_0Q8_0(a.baseAddress!, b.baseAddress!, blocks: blocks)
                            XCTAssertLessThanOrEqual(abs(fast - reference), tolerance(type) * magnitude + 1e-6, "\(isa) \(type) blocks \(blocks)")
                        }
                    }
                }
            }
        }
    }

    func testFastQ4_1DotMatchesReference() {
        var rng = TestRandom(seed: 6)
        for blocks in [1, 2, 18, 48] {
            let values = rng.floats(blocks * 32)
            var x = [UInt8](repeating: 0, count: blocks * 36)
            values.withUnsafeBufferPointer { src in x.withUnsafeMutableBytes { QuantizeReference.quantizeRowQ8_1(src.baseAddress!, count: blocks * 32, into: $0.baseAddress!) } }
            let w = EncodedMatrix(type: .q4_1, rows: 1, cols: blocks * 32, rng: &rng)
            w.bytes.withUnsafeBytes { a in
                x.withUnsafeBytes { b in
                    let reference = Reference.dotQ4_1Q8_1(a.baseAddress!, b.baseAddress!, blocks: blocks)
                    let magnitude = w.magnitude(x: values, token: 0, row: 0)
                    forEachISA { isa in
                        let fast = Ops.dotQ4_1Q8_1(a.baseAddress!, b.baseAddress!, blocks: blocks)
                        XCTAssertLessThanOrEqual(abs(fast - reference), q41MatmulRelTolerance * magnitude + 1e-6, "\(isa) blocks \(blocks)")
                    }
                }
            }
        }
    }

    func testPrepareRangesCoverEveryTokenOnce() {
        for tokens in [1, 7, 8, 16, 17, 41, 512] {
            for parts in 1...4 {
                let ranges = (0..<parts).map { Ops.prepareRange(part: $0, of: parts, tokens: tokens) }
                XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<tokens), "tokens \(tokens) parts \(parts)")
                XCTAssertTrue(ranges.allSatisfy { $0.isEmpty || $0.lowerBound % 8 == 0 }, "tokens \(tokens) parts \(parts)")
            }
        }
    }

    /// Quantizing the activations in token ranges (as several threads do for a prefill) writes
    /// the same bytes as one pass, at every level (AVX2's groups of 8 and padded last group,
    /// AVX-512's row tokens and their block sums) and for every split.
    func testPreparedRangesWriteWhatOnePrepareWrites() {
        var rng = TestRandom(seed: 12)
        let cols = 96
        forEachISA { isa in
            for type in [TensorType.q8_0, .q4_0, .q4_1] {
                let code = Int32(type.rawValue)
                for tokens in [1, 7, 15, 16, 17, 23, 40] {
                    let x = rng.floats(tokens * cols)
                    let bytes = pd_matmul_scratch_bytes(code, Int64(tokens), Int64(cols))
                    var whole = [UInt8](repeating: 0xA5, count: bytes)
                    x.withUnsafeBufferPointer { xp in
                        whole.withUnsafeMutableBytes { pd_matmul_prepare(code, xp.baseAddress!, Int64(tokens), Int64(cols), $0.baseAddress!) }
                    }
                    for parts in 2...4 {
                        var split = [UInt8](repeating: 0xA5, count: bytes)
                        x.withUnsafeBufferPointer { xp in
                            split.withUnsafeMutableBytes { buffer in
                                for part in (0..<parts).reversed() {  // any order: the ranges are disjoint
                                    let r = Ops.prepareRange(part: part, of: parts, tokens: tokens)
                                    pd_matmul_prepare_range(code, xp.baseAddress!, Int64(tokens), Int64(cols), buffer.baseAddress!,
                                                            Int64(r.lowerBound), Int64(r.upperBound))
                                }
                            }
                        }
                        let first = split.indices.first { split[$0] != whole[$0] }
                        XCTAssertNil(first, "\(isa) \(type) tokens \(tokens) parts \(parts): first different byte of \(bytes)")
                    }
                }
            }
        }
    }

    func testSIMDLevelsGiveTheSameBits() throws {
        // The row kernels (file layout), the row-group kernels (AVX2's `vpmaddubsw`, AVX-512's
        // `vpdpbusd`) and AVX2's Q8_0 GEMM (from 32 tokens) all compute exact integer block sums and
        // reduce them in one order, so AVX2 and AVX-512 must agree bit for bit (the scalar kernel
        // sums in another order).
        guard KernelISA.best.rawValue >= KernelISA.avx512.rawValue else { throw XCTSkip("this CPU has no AVX-512 VNNI") }
        var rng = TestRandom(seed: 9)
        for type in [TensorType.q8_0, .q4_0, .q4_1] {
            let w = EncodedMatrix(type: type, rows: 37, cols: 576, rng: &rng)
            for tokens in [1, 2, 3, 4, 6, 7, 8, 15, 17, 33, 40] {
                let x = rng.floats(tokens * 576)
                var results: [[Float]] = []
                forEachISA { isa in if isa != .scalar { results.append(run(w, x: x, tokens: tokens, threads: ComputeThreads())) } }
                XCTAssertEqual(results.count, 2)
                XCTAssertEqual(results.first, results.last, "\(type) tokens \(tokens)")
            }
        }
    }

    private func check(_ w: EncodedMatrix, tokens: Int, rng: inout TestRandom) {
        let x = rng.floats(tokens * w.cols)
        var expected = [Float](repeating: 0, count: tokens * w.rows)
        x.withUnsafeBufferPointer { xp in
            expected.withUnsafeMutableBufferPointer { yp in
                w.withView { Reference.matmul($0, x: xp.baseAddress!, tokenCount: tokens, y: yp.baseAddress!) }
            }
        }
        forEachISA { isa in
            let got = run(w, x: x, tokens: tokens, threads: ComputeThreads())
            for t in 0..<tokens {
                for r in 0..<w.rows {
                    let bound = tolerance(w.type) * w.magnitude(x: x, token: t, row: r) + 1e-6
                    let (g, e) = (got[t * w.rows + r], expected[t * w.rows + r])
                    if !(abs(g - e) <= bound) {
                        XCTFail("\(isa) \(w.type) \(w.rows)x\(w.cols) tokens \(tokens): y[\(t), \(r)] = \(g), reference \(e)")
                        return
                    }
                }
            }
        }
    }

    private func run(_ w: EncodedMatrix, x: [Float], tokens: Int, threads: ComputeThreads) -> [Float] {
        var y = [Float](repeating: .nan, count: tokens * w.rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                w.withView { Ops.matmul($0, x: xp.baseAddress!, tokenCount: tokens, y: yp.baseAddress!, threads: threads) }
            }
        }
        return y
    }
}

extension MatmulTests {
    /// A matrix with row groups (`RowGroupStore`) gives the file layout's bits exactly, at every
    /// kernel level, for token counts around the passes of 4 (AVX2) and 8 (AVX-512) tokens and
    /// past AVX2's Q8_0 GEMM threshold (32: the file layout's GEMM against row-group rows), on 1–3
    /// threads (so row ranges start and end off the groups of 8 and the rows around them take the
    /// file layout).
    func testRowGroupsGiveTheFileLayoutsBits() throws {
        var rng = TestRandom(seed: 31)
        let store = RowGroupStore()
        for type in [TensorType.q8_0, .q4_0, .q4_1] {
            for rows in [8, 40, 96, 1536] {
                let w = EncodedMatrix(type: type, rows: rows, cols: 576, rng: &rng)
                try forEachISA { isa in
                    for tokens in [1, 2, 3, 4, 5, 6, 8, 9, 17, 33] {
                        let x = rng.floats(tokens * 576, scale: 1)
                        for threadCount in 1...3 {
                            let threads = ComputeThreads(count: threadCount)
                            let plain = run(w, x: x, tokens: tokens, threads: threads)
                            let grouped = w.withView { view -> [Float] in
                                let repacked = store.add(view)
                                XCTAssertEqual(repacked.rowGroups != nil, isa != .scalar, "\(isa) \(type) \(rows) rows")
                                var y = [Float](repeating: .nan, count: tokens * rows)
                                x.withUnsafeBufferPointer { xp in
                                    Ops.matmul(repacked, x: xp.baseAddress!, tokenCount: tokens, y: &y, threads: threads)
                                }
                                return y
                            }
                            XCTAssertEqual(grouped.map(\.bitPattern), plain.map(\.bitPattern),
                                           "\(isa) \(type) rows \(rows) tokens \(tokens) threads \(threadCount)")
                        }
                    }
                }
            }
        }
        // Row groups repacked under AVX-512 are read by AVX2's kernel (the same layout), and under
        // scalar, which reads none, the file layout is used.
        for other in [KernelISA.avx2, .scalar] where KernelISA.best == .avx512 {
            let w = EncodedMatrix(type: .q4_1, rows: 96, cols: 576, rng: &rng)
            let x = rng.floats(3 * 576, scale: 1)
            let threads = ComputeThreads(count: 1)
            defer { KernelISA.use(.best) }
            let crossed = w.withView { view -> [Float] in
                let repacked = store.add(view)  // under AVX-512: the VNNI layout
                XCTAssertNotNil(repacked.rowGroups)
                KernelISA.use(other)
                var y = [Float](repeating: .nan, count: 3 * 96)
                x.withUnsafeBufferPointer { Ops.matmul(repacked, x: $0.baseAddress!, tokenCount: 3, y: &y, threads: threads) }
                return y
            }
            let plain = run(w, x: x, tokens: 3, threads: threads)  // under `other`, without row groups
            XCTAssertEqual(crossed.map(\.bitPattern), plain.map(\.bitPattern), "\(other)")
        }
        // Only matrices whose rows are whole groups of 8, of a quantized type, get a copy.
        let odd = EncodedMatrix(type: .q8_0, rows: 37, cols: 64, rng: &rng)
        XCTAssertNil(odd.withView { store.add($0).rowGroups })
    }
}
