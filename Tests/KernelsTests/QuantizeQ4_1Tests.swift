import TestSupport
import XCTest
@testable import Kernels

/// Q4_1 weights and Q8_1 activations: the reference against hand-computed ggml values, and the
/// fast Q8_1 quantizer against the reference, bit for bit.
final class QuantizeQ4_1Tests: XCTestCase {
    func testQ4_1HandComputedBlock() {
        // min −1, max 14: d = 1, m = −1, so q = trunc(x + 1 + 0.5) clamped to 15.
        var x = [Float](repeating: 0, count: 32)
        x[0] = -1; x[1] = 14; x[2] = 0.49; x[3] = 0.5; x[16] = 2.2; x[17] = 13.6
        var out = [UInt8](repeating: 0, count: 20)
        x.withUnsafeBufferPointer { src in out.withUnsafeMutableBytes { QuantizeReference.quantizeRowQ4_1(src.baseAddress!, count: 32, into: $0.baseAddress!) } }
        XCTAssertEqual(Array(out[0..<4]), [0x00, 0x3C, 0x00, 0xBC], "d = 1.0 (0x3C00), m = −1.0 (0xBC00)")
        XCTAssertEqual(out[4], 0 | 3 << 4, "element 0 → 0, element 16 (2.2) → trunc(3.7) = 3")
        XCTAssertEqual(out[5], 15 | 15 << 4, "14 → 15, 13.6 → trunc(15.1) = 15")
        XCTAssertEqual(out[6] & 0x0F, 1, "0.49 → trunc(1.99) = 1")
        XCTAssertEqual(out[7] & 0x0F, 2, "0.5 → trunc(2.0) = 2")
        var back = [Float](repeating: 0, count: 32)
        out.withUnsafeBytes { src in back.withUnsafeMutableBufferPointer { QuantizeReference.decodeRow(src.baseAddress!, count: 32, as: .q4_1, into: $0.baseAddress!) } }
        XCTAssertEqual(Array(back[0..<4]), [-1, 14, 0, 1])
    }

    func testQ8_1RoundsHalvesToEvenAndStoresTheSum() {
        // amax = 127 makes d = 1 and 127/amax = 1, so q is x rounded half to even.
        var x = [Float](repeating: 0, count: 32)
        x[0] = 0.5; x[1] = 1.5; x[2] = -2.5; x[3] = 127; x[4] = -3.5
        let expected: [Int8] = [0, 2, -2, 127, -4] + [Int8](repeating: 0, count: 27)
        for quantize in RowQuantizer.q8_1.all {
            let block = quantize(x)
            XCTAssertEqual(Array(block[0..<2]), [0x00, 0x3C], "d = 1.0")
            XCTAssertEqual(Array(block[2..<4]), [0xB0, 0x57], "s = 123 is fp16 0x57B0")
            XCTAssertEqual(block[4...].map { Int8(bitPattern: $0) }, expected)
        }
    }

    func testFastQ8_1MatchesReferenceOnRandomRows() {
        var rng = TestRandom(seed: 8)
        for count in [32, 64, 576, 1536] {
            let x = RowQuantizer.tieRow(count: count, rng: &rng)
            let reference = RowQuantizer.q8_1.reference(x)
            forEachISA { isa in XCTAssertEqual(RowQuantizer.q8_1.fast(x), reference, "\(isa) count \(count)") }
        }
    }
}
