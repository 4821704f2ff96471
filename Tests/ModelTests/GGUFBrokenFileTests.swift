import Kernels
import TestSupport
import XCTest
@testable import Model

/// Broken inputs must give one clear line naming the problem, never a crash.
final class GGUFBrokenFileTests: XCTestCase {
    /// A small valid file whose last tensor ends exactly at the end of the file,
    /// so that every strict prefix is invalid.
    private func smallFile() -> GGUFWriter {
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.add("n", .uint32(7))
        w.add("list", .array(.string, [.string("a"), .string("bc")]))
        w.addTensor(name: "a", type: .q8_0, shape: [32, 2], data: [UInt8](repeating: 1, count: 68))
        w.addTensor(name: "b", type: .f32, shape: [8], data: [UInt8](repeating: 2, count: 32))
        return w
    }

    /// Position just after the tensor-info name `name` (where n_dims starts).
    private func tensorInfo(_ bytes: [UInt8], _ name: String) -> Int {
        var pattern = withUnsafeBytes(of: UInt64(name.utf8.count).littleEndian, Array.init)
        pattern += Array(name.utf8)
        let start = (0...(bytes.count - pattern.count)).last { Array(bytes[$0..<($0 + pattern.count)]) == pattern }!
        return start + pattern.count
    }

    private func patch<T: FixedWidthInteger>(_ bytes: inout [UInt8], at position: Int, _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[position + i] = b } }
    }

    /// Byte position of tensor `name`'s offset field (after n_dims, the dims and the type).
    private func offsetField(_ bytes: [UInt8], _ name: String) -> Int {
        let p = tensorInfo(bytes, name)
        let dims = Int(bytes[p])
        return p + 4 + 8 * dims + 4
    }

    private func assertError(_ bytes: [UInt8], contains parts: String...,
                             file: StaticString = #filePath, line: UInt = #line) {
        let message = GGUFTestSupport.parseError(bytes, file: file, line: line)
        for part in parts {
            XCTAssertTrue(message.contains(part), "'\(message)' should mention '\(part)'", file: file, line: line)
        }
    }

    func testSmallFileIsValid() throws {
        let bytes = smallFile().serialize()
        let file = try GGUFFile(bytes: bytes, name: "small.gguf")
        XCTAssertEqual(file.dataOffset + file.tensors[1].offset + 32, bytes.count)
    }

    func testEveryTruncationThrows() {
        let bytes = smallFile().serialize()
        for length in 0..<bytes.count {
            let message = GGUFTestSupport.parseError(Array(bytes[..<length]))
            XCTAssertTrue(message.contains("truncated") || message.contains("past the end"),
                          "prefix of \(length) bytes: \(message)")
        }
    }

    func testRandomCorruptionNeverCrashes() {
        let valid = smallFile().serialize()
        var rng = TestRandom(seed: 42)
        var failures = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = rng.next() % 3 == 0 ? 0xFF : UInt8(truncatingIfNeeded: rng.next())
            }
            if (try? GGUFFile(bytes: bytes, name: "fuzz.gguf")) == nil { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 0, "some corruptions must be detected")
    }

    func testBadMagic() {
        var bytes = smallFile().serialize()
        bytes[3] = UInt8(ascii: "G")
        assertError(bytes, contains: "not a GGUF file", "0x47 0x47 0x55 0x47")
    }

    func testUnsupportedVersions() {
        var bytes = smallFile().serialize()
        patch(&bytes, at: 4, UInt32(1))
        assertError(bytes, contains: "unsupported GGUF version 1")
        patch(&bytes, at: 4, UInt32(4))
        assertError(bytes, contains: "unsupported GGUF version 4")
        patch(&bytes, at: 4, UInt32(3).byteSwapped)
        assertError(bytes, contains: "big-endian")
    }

    func testAbsurdCounts() {
        var bytes = smallFile().serialize()
        patch(&bytes, at: 8, UInt64(1) << 40)
        assertError(bytes, contains: "header claims 1099511627776 tensors")
        bytes = smallFile().serialize()
        patch(&bytes, at: 16, UInt64.max)
        assertError(bytes, contains: "metadata keys")
    }

    func testUnknownValueTypes() {
        var w = GGUFWriter()
        w.add("k", .uint32(5))
        var bytes = w.serialize()
        patch(&bytes, at: 24 + 8 + 1, UInt32(13))
        assertError(bytes, contains: "'k'", "unknown value type 13")

        w = GGUFWriter()
        w.add("arr", .array(.uint8, [.uint8(1)]))
        bytes = w.serialize()
        patch(&bytes, at: 24 + 8 + 3 + 4, UInt32(99))
        assertError(bytes, contains: "'arr'", "array of unknown value type 99")
    }

    func testHugeStringAndArrayLengths() {
        var w = GGUFWriter()
        w.add("s", .string("abc"))
        var bytes = w.serialize()
        patch(&bytes, at: 24 + 8 + 1 + 4, UInt64(1) << 62)
        assertError(bytes, contains: "truncated", "'s'", "4611686018427387904 bytes long")

        w = GGUFWriter()
        w.add("arr", .array(.string, [.string("x")]))
        bytes = w.serialize()
        patch(&bytes, at: 24 + 8 + 3 + 4 + 4, UInt64.max)
        assertError(bytes, contains: "'arr'", "claims 18446744073709551615 string elements")
    }

    func testDeepNestingIsRefused() {
        var value = GGUFValue.array(.uint8, [])
        for _ in 0..<20 { value = .array(.array, [value]) }
        var w = GGUFWriter()
        w.add("deep", value)
        assertError(w.serialize(), contains: "'deep'", "nests arrays deeper than 8")
    }

    func testDuplicateKeysAndTensors() {
        var w = smallFile()
        w.add("n", .uint32(8))
        assertError(w.serialize(), contains: "duplicate metadata key 'n'")
        w = smallFile()
        w.addTensor(name: "a", type: .f32, shape: [8], data: [UInt8](repeating: 0, count: 32))
        assertError(w.serialize(), contains: "duplicate tensor name 'a'")
    }

    func testUnknownTensorType() {
        var bytes = smallFile().serialize()
        patch(&bytes, at: offsetField(bytes, "b") - 4, UInt32(12))
        assertError(bytes, contains: "tensor 'b'", "type id 12 (Q4_K)", "not supported")
        patch(&bytes, at: offsetField(bytes, "b") - 4, UInt32(1000))
        assertError(bytes, contains: "tensor 'b'", "type id 1000,")
    }

    func testBadAlignment() {
        for bad in [0, 3, 48] {
            var w = smallFile()
            w.add("general.alignment", .uint32(UInt32(bad)))
            assertError(w.serialize(), contains: "general.alignment \(bad) is not a power of two")
        }
        var w = smallFile()
        w.add("general.alignment", .string("32"))
        assertError(w.serialize(), contains: "general.alignment has type string")
    }

    func testMisalignedAndOverlappingOffsets() {
        var bytes = smallFile().serialize()
        patch(&bytes, at: offsetField(bytes, "b"), UInt64(80))
        assertError(bytes, contains: "tensor 'b' data offset 80 is not a multiple of the alignment 32")
        bytes = smallFile().serialize()
        patch(&bytes, at: offsetField(bytes, "b"), UInt64(64))
        assertError(bytes, contains: "tensor 'b'", "overlaps tensor 'a'")
    }

    func testAbsurdShapes() {
        func shaped(_ shape: [Int], _ type: TensorType = .f32) -> [UInt8] {
            var w = GGUFWriter()
            w.addTensor(name: "t", type: type, shape: shape, data: [UInt8](repeating: 0, count: 64))
            return w.serialize()
        }
        assertError(shaped([4, 0]), contains: "tensor 't' dimension 1 is 0")
        assertError(shaped([-1]), contains: "tensor 't' dimension 0 is -1")
        assertError(shaped([1, 1, 1, 1, 1]), contains: "tensor 't' has 5 dimensions")
        assertError(shaped([]), contains: "tensor 't' has 0 dimensions")
        assertError(shaped([1 << 32, 1 << 32]), contains: "tensor 't' shape 4294967296 x 4294967296 has too many elements")
        assertError(shaped([1 << 40, 1 << 22]), contains: "tensor 't'", "too large")
        assertError(shaped([16], .q8_0), contains: "row length 16 is not a multiple of Q8_0's block size 32")
    }

    func testTensorDataPastEnd() {
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.addTensor(name: "blk.3.attn_q.weight", type: .f32, shape: [64, 64], data: [UInt8](repeating: 0, count: 64))
        let bytes = w.serialize()
        let header = bytes.count - 64
        assertError(bytes, contains: "broken.gguf: tensor 'blk.3.attn_q.weight' data ends at byte \(header + 16384), "
                    + "past the end of the file (\(bytes.count) bytes)")
    }
}
