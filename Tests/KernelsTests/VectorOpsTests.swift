import Foundation
import TestSupport
import XCTest
@testable import Kernels

/// rmsNorm, softmax, swiglu, rope, dot, axpy and the fast exp against `Reference` / libm.
final class VectorOpsTests: XCTestCase {
    /// Degree-6 polynomial after range reduction: ~1.2e-7 truncation plus a few roundings.
    let expRelTolerance: Float = 1e-6
    /// Softmax and swiglu inherit the exp error; |fast − ref| ≤ abs + rel·|ref|.
    let activationAbsTolerance: Float = 1e-7
    let activationRelTolerance: Float = 4e-6
    /// rmsNorm, rope, dot, axpy: float summation order / FMA contraction only.
    let floatRelTolerance: Float = 1e-5
    /// RoPE angles are position·freq in float, so an ulp of difference in a libm call grows
    /// with the position: allowed error per element = this × position × |value| (+ 1e-6).
    let ropeErrorPerPosition: Float = 2.5e-7

    let counts = [1, 7, 8, 9, 64, 513, 1536]

    func testFastExpMatchesLibm() {
        var rng = TestRandom(seed: 11)
        var x = (0..<4096).map { _ in Float.random(in: -87.3...88, using: &rng) }
        x += [0, -0, 1, -1, 1e-8, 88, -87.3, 0.5 * logf(2), -0.5 * logf(2)]
        forEachISA { isa in
            let y = apply(x) { Ops.exp($0, count: x.count, into: $1) }
            for i in x.indices {
                let e = expf(x[i])
                XCTAssertLessThanOrEqual(abs(y[i] - e), expRelTolerance * e, "\(isa) exp(\(x[i]))")
            }
            let tiny = apply([-88, -100, -1000, -.infinity]) { Ops.exp($0, count: 4, into: $1) }
            XCTAssertTrue(tiny.allSatisfy { $0 < 1e-37 }, "\(isa): exp underflows to ~0, got \(tiny)")
        }
    }

    func testSoftmaxAndSwigluMatchReference() {
        var rng = TestRandom(seed: 12)
        for count in counts {
            let x = rng.floats(count, scale: 12), up = rng.floats(count, scale: 2)
            var expected = x
            expected.withUnsafeMutableBufferPointer { Reference.softmax($0.baseAddress!, count: count) }
            let expectedSwiglu = apply2(x, up) { Reference.swiglu(gate: $0, up: $1, count: count, into: $2) }
            forEachISA { isa in
                var got = x
                got.withUnsafeMutableBufferPointer { Ops.softmax($0.baseAddress!, count: count) }
                assertClose(got, expected, abs: activationAbsTolerance, rel: activationRelTolerance, "\(isa) softmax \(count)")
                let swiglu = apply2(x, up) { Ops.swiglu(gate: $0, up: $1, count: count, into: $2) }
                assertClose(swiglu, expectedSwiglu, abs: activationAbsTolerance, rel: activationRelTolerance, "\(isa) swiglu \(count)")
            }
        }
    }

    func testRmsNormDotAxpyMatchReference() {
        var rng = TestRandom(seed: 13)
        for count in counts {
            let x = rng.floats(count, scale: 3), w = rng.floats(count)
            let expected = apply2(x, w) { Reference.rmsNorm($0, weight: $1, count: count, eps: 1e-5, into: $2) }
            let expectedDot = zip(x, w).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let magnitude = zip(x, w).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
            let expectedAxpy = zip(x, w).map { $1 + 0.75 * $0 }
            forEachISA { isa in
                let got = apply2(x, w) { Ops.rmsNorm($0, weight: $1, count: count, eps: 1e-5, into: $2) }
                assertClose(got, expected, abs: 0, rel: floatRelTolerance, "\(isa) rmsNorm \(count)")
                let dot = x.withUnsafeBufferPointer { a in w.withUnsafeBufferPointer { b in Ops.dot(a.baseAddress!, b.baseAddress!, count: count) } }
                XCTAssertLessThanOrEqual(abs(dot - expectedDot), floatRelTolerance * magnitude, "\(isa) dot \(count)")
                var y = w
                x.withUnsafeBufferPointer { a in y.withUnsafeMutableBufferPointer { Ops.axpy(0.75, a.baseAddress!, $0.baseAddress!, count: count) } }
                assertClose(y, expectedAxpy, abs: 1e-6, rel: floatRelTolerance, "\(isa) axpy \(count)")
            }
        }
    }

    func testRopeMatchesReference() {
        var rng = TestRandom(seed: 14)
        for (heads, headDim, ropeDim) in [(3, 64, 64), (2, 64, 32), (4, 8, 8), (1, 128, 128)] {
            for position in [0, 1, 7, 1000, 4095] {
                let v = rng.floats(heads * headDim)
                var expected = v, got = v
                expected.withUnsafeMutableBufferPointer {
                    Reference.rope($0.baseAddress!, headCount: heads, headDim: headDim, ropeDim: ropeDim, position: position, freqBase: 10000)
                }
                got.withUnsafeMutableBufferPointer {
                    Ops.rope($0.baseAddress!, headCount: heads, headDim: headDim, ropeDim: ropeDim, position: position, freqBase: 10000)
                }
                let scale = v.map { Swift.abs($0) }.max()!
                assertClose(got, expected, abs: 1e-6 + ropeErrorPerPosition * Float(position) * scale, rel: floatRelTolerance,
                            "rope \(heads)x\(headDim)/\(ropeDim) at \(position)")
                if ropeDim < headDim {
                    XCTAssertEqual(got[ropeDim..<headDim], v[ropeDim..<headDim], "dimensions past ropeDim are untouched")
                }
            }
        }
    }

    private func apply(_ x: [Float], _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { a in out.withUnsafeMutableBufferPointer { body(a.baseAddress!, $0.baseAddress!) } }
        return out
    }

    private func apply2(_ x: [Float], _ y: [Float], _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { body(a.baseAddress!, b.baseAddress!, $0.baseAddress!) } } }
        return out
    }

    private func assertClose(_ got: [Float], _ expected: [Float], abs absTolerance: Float, rel: Float, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, message, file: file, line: line)
        for i in got.indices where !(Swift.abs(got[i] - expected[i]) <= absTolerance + rel * Swift.abs(expected[i])) {
            XCTFail("\(message): [\(i)] = \(got[i]), reference \(expected[i])", file: file, line: line)
            return
        }
    }
}

extension VectorOpsTests {
    /// The KV cache's writes: every ISA level rounds to nearest even exactly as Swift's Float16
    /// (ggml's FP32_TO_FP16), including ties, subnormals, overflow to infinity and the tail
    /// after the last full vector.
    func testStoreHalfMatchesFloat16Rounding() {
        var rng = TestRandom(seed: 13)
        var x = (0..<1000).map { _ in Float.random(in: -4...4, using: &rng) }
        x += (0..<200).map { _ in Float.random(in: -1e-5...1e-5, using: &rng) }  // fp16 subnormals
        // Exact ties between two halves (1 + 2^-11 lies midway between 1 and 1 + 2^-10).
        x += [1 + 0x1p-11, 1 + 3 * 0x1p-11, -(1 + 0x1p-11), 65504, 65520, 70000, -1e9, 0, -0, 0x1p-25, 0x1p-24]
        forEachISA { isa in
            for count in [x.count, 7, 1] {
                var out = [UInt16](repeating: 0xFFFF, count: count)
                x.withUnsafeBufferPointer { Ops.storeHalf($0.baseAddress!, count: count, into: &out) }
                for i in 0..<count {
                    XCTAssertEqual(out[i], halfBits(from: x[i]), "\(isa) x[\(i)] = \(x[i])")
                }
            }
        }
    }
}
