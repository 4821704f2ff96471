import XCTest
@testable import Kernels

/// Deterministic random numbers (SplitMix64) so every failure reproduces.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in -scale..<scale, with an occasional 8× outlier like real activations.
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in
            let v = Float.random(in: -scale..<scale, using: &self)
            return Int.random(in: 0..<64, using: &self) == 0 ? v * 8 : v
        }
    }
}

/// A weight matrix encoded as `type`, owning its bytes.
struct EncodedMatrix {
    let type: TensorType, rows: Int, cols: Int
    var bytes: [UInt8]
    var decoded: [Float]

    init(type: TensorType, rows: Int, cols: Int, rng: inout SeededRandom) {
        self.type = type; self.rows = rows; self.cols = cols
        let values = rng.floats(rows * cols, scale: 0.5)
        let rowBytes = type.byteCount(elements: cols)!
        var bytes = [UInt8](repeating: 0, count: rows * rowBytes)
        var decoded = [Float](repeating: 0, count: rows * cols)
        values.withUnsafeBufferPointer { src in
            bytes.withUnsafeMutableBytes { dst in
                decoded.withUnsafeMutableBufferPointer { out in
                    for r in 0..<rows {
                        QuantizeReference.encodeRow(src.baseAddress! + r * cols, count: cols, as: type, into: dst.baseAddress! + r * rowBytes)
                        QuantizeReference.decodeRow(dst.baseAddress! + r * rowBytes, count: cols, as: type, into: out.baseAddress! + r * cols)
                    }
                }
            }
        }
        self.bytes = bytes; self.decoded = decoded
    }

    func withView<R>(_ body: (MatrixView) -> R) -> R {
        bytes.withUnsafeBytes { body(MatrixView(type: type, rows: rows, cols: cols, data: $0.baseAddress!)) }
    }

    /// Σ_c |W[r,c]|·|x[t,c]|: the size a rounding error of y[t,r] is measured against.
    func magnitude(x: [Float], token t: Int, row r: Int) -> Float {
        var s: Float = 0
        for c in 0..<cols { s += abs(decoded[r * cols + c]) * abs(x[t * cols + c]) }
        return s
    }
}

extension XCTestCase {
    /// Runs `body` once per kernel family this CPU supports, restoring the best one afterwards.
    func forEachISA(_ body: (KernelISA) throws -> Void) rethrows {
        defer { KernelISA.use(.best) }
        for isa in KernelISA.allCases where isa.rawValue <= KernelISA.best.rawValue {
            XCTAssertEqual(KernelISA.use(isa), isa)
            try body(isa)
        }
    }
}
