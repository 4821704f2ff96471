import TestSupport
import XCTest
@testable import Kernels

/// The fast Q8_0 quantizer against ggml's reference, and the reference against hand-computed
/// ggml values (halves away from zero, all-zero blocks, Q4_0's signed maximum).
final class QuantizeTests: XCTestCase {
    /// The fast quantizer implements the reference's exact arithmetic (id = 1/(amax/127), round
    /// half away from zero), so it must match bit for bit; ±1 in q is what ggml's own AVX2 path
    /// (id = 127/amax, round half to even) would need.
    let q8QuantMaxStepDifference = 0

    func testQ8_0HandComputedBlock() {
        var x = [Float](repeating: 0, count: 32)
        // amax = 127 makes d exactly 1, so q is round(x) and the halves are visible.
        x[0] = 0.5; x[1] = -0.5; x[2] = 1.5; x[3] = -2.5; x[4] = 126.5; x[5] = 0.49999997; x[6] = -127; x[7] = 3.25
        let expected: [Int8] = [1, -1, 2, -3, 127, 0, -127, 3] + [Int8](repeating: 0, count: 24)
        for quantize in RowQuantizer.q8_0.all {
            let block = quantize(x)
            XCTAssertEqual(block[0], 0x00); XCTAssertEqual(block[1], 0x3C, "d = 1.0 is fp16 0x3C00")
            XCTAssertEqual(block[2...].map { Int8(bitPattern: $0) }, expected)
        }
    }

    func testQ8_0AllZeroBlockHasZeroScale() {
        for quantize in RowQuantizer.q8_0.all {
            XCTAssertEqual(quantize([Float](repeating: 0, count: 32)), [UInt8](repeating: 0, count: 34))
        }
    }

    func testQ4_0NegativeMaximumGivesPositiveScale() {
        var x = [Float](repeating: 0, count: 32)
        x[0] = -8; x[1] = 4; x[2] = 7.9; x[3] = -1; x[16] = 2
        var out = [UInt8](repeating: 0, count: 18)
        x.withUnsafeBufferPointer { src in out.withUnsafeMutableBytes { QuantizeReference.quantizeRowQ4_0(src.baseAddress!, count: 32, into: $0.baseAddress!) } }
        // d = -8 / -8 = 1; q = min(15, trunc(x + 8.5)); byte j = q[j] | q[j+16] << 4.
        XCTAssertEqual(Array(out[0..<2]), [0x00, 0x3C])
        XCTAssertEqual(Array(out[2..<6]), [0xA0, 0x8C, 0x8F, 0x87])
        XCTAssertEqual(Array(out[6...]), [UInt8](repeating: 0x88, count: 12))
        x[0] = 8  // a positive maximum flips the scale's sign
        x.withUnsafeBufferPointer { src in out.withUnsafeMutableBytes { QuantizeReference.quantizeRowQ4_0(src.baseAddress!, count: 32, into: $0.baseAddress!) } }
        XCTAssertEqual(Array(out[0..<2]), [0x00, 0xBC])
        XCTAssertEqual(out[2] & 0x0F, 0, "x = 8 with d = -1 → trunc(-8 + 8.5) = 0")
    }

    func testFastQ8_0MatchesReferenceOnRandomRows() {
        var rng = TestRandom(seed: 7)
        for count in [32, 64, 576, 1536] {
            let x = RowQuantizer.tieRow(count: count, rng: &rng)
            let reference = RowQuantizer.q8_0.reference(x)
            forEachISA { isa in
                let fast = RowQuantizer.q8_0.fast(x)
                for b in 0..<(count / 32) {
                    XCTAssertEqual(fast[b * 34], reference[b * 34], "\(isa) scale, block \(b)")
                    XCTAssertEqual(fast[b * 34 + 1], reference[b * 34 + 1], "\(isa) scale, block \(b)")
                    for j in 2..<34 {
                        let d = abs(Int(Int8(bitPattern: fast[b * 34 + j])) - Int(Int8(bitPattern: reference[b * 34 + j])))
                        XCTAssertLessThanOrEqual(d, q8QuantMaxStepDifference, "\(isa) count \(count) block \(b) element \(j - 2)")
                    }
                }
            }
        }
    }
}
