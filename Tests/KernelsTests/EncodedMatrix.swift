import TestSupport
import XCTest
@testable import Kernels

/// A weight matrix encoded as `type`, owning its bytes.
struct EncodedMatrix {
    let type: TensorType, rows: Int, cols: Int
    var bytes: [UInt8]
    var decoded: [Float]

    init(type: TensorType, rows: Int, cols: Int, rng: inout TestRandom) {
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

/// An activation quantizer under test (Q8_0 or Q8_1): the reference and the fast kernel, each
/// writing `blockBytes` per 32 values.
struct RowQuantizer {
    typealias Kernel = (UnsafePointer<Float>, Int, UnsafeMutableRawPointer) -> Void
    let blockBytes: Int
    let referenceKernel: Kernel
    let fastKernel: Kernel

    static var q8_0: RowQuantizer { RowQuantizer(blockBytes: 34, referenceKernel: QuantizeReference.quantizeRowQ8_0, fastKernel: Ops.quantizeRowQ8_0) }
    static var q8_1: RowQuantizer { RowQuantizer(blockBytes: 36, referenceKernel: QuantizeReference.quantizeRowQ8_1, fastKernel: Ops.quantizeRowQ8_1) }

    func reference(_ x: [Float]) -> [UInt8] { run(referenceKernel, x) }
    func fast(_ x: [Float]) -> [UInt8] { run(fastKernel, x) }

    /// The reference, the fast kernel on its scalar path, and the fast kernel on the best ISA.
    var all: [([Float]) -> [UInt8]] {
        [reference(_:), { x in KernelISA.use(.scalar); defer { KernelISA.use(.best) }; return fast(x) }, fast(_:)]
    }

    /// A random row whose every other block has amax 127 (so d = 1) and values on exact halves:
    /// the rounding ties where kernels are most likely to disagree.
    static func tieRow(count: Int, rng: inout TestRandom) -> [Float] {
        var x = rng.floats(count, scale: 3)
        for b in stride(from: 0, to: count, by: 64) {
            x[b] = 127
            for j in 1..<32 { x[b + j] = Float(Int.random(in: -250...250, using: &rng)) / 2 }
        }
        return x
    }

    private func run(_ kernel: Kernel, _ x: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: x.count / 32 * blockBytes)
        x.withUnsafeBufferPointer { src in out.withUnsafeMutableBytes { kernel(src.baseAddress!, x.count, $0.baseAddress!) } }
        return out
    }
}
