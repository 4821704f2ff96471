import Kernels
import XCTest
@testable import Model

final class GGUFRoundTripTests: XCTestCase {
    /// One value of every type, including empty and nested arrays and non-ASCII strings.
    static let allValues: [(String, GGUFValue)] = [
        ("u8", .uint8(250)), ("i8", .int8(-5)), ("u16", .uint16(65_000)), ("i16", .int16(-30_000)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(-1.5e-7)),
        ("yes", .bool(true)), ("no", .bool(false)), ("s", .string("▁héllo <0x0A>")), ("empty", .string("")),
        ("u64", .uint64(UInt64.max)), ("i64", .int64(Int64.min)), ("f64", .float64(3.141592653589793)),
        ("ints", .array(.int32, [.int32(1), .int32(-2), .int32(3)])),
        ("strs", .array(.string, [.string("a"), .string(""), .string("ünï")])),
        ("none", .array(.float64, [])),
        ("nested", .array(.array, [.array(.uint8, [.uint8(1)]), .array(.uint8, [])])),
        ("bools", .array(.bool, [.bool(true), .bool(false)])),
    ]

    func testEveryValueTypeRoundTrips() throws {
        var w = GGUFWriter()
        for (k, v) in Self.allValues { w.add(k, v) }
        let file = try GGUFFile(bytes: w.serialize(), name: "values.gguf")
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.metadataKeys, Self.allValues.map(\.0))
        for (k, v) in Self.allValues { XCTAssertEqual(file.metadata[k], v, k) }
        XCTAssertEqual(Set(Self.allValues.map { $0.1.type }), Set(GGUFValueType.allCases), "test covers all 13 types")
        XCTAssertEqual(file.tensors, [])
    }

    func testTypedHelpers() throws {
        var w = GGUFWriter()
        for (k, v) in Self.allValues { w.add(k, v) }
        let file = try GGUFFile(bytes: w.serialize(), name: "values.gguf")
        XCTAssertEqual(file.int("u8"), 250)
        XCTAssertEqual(file.int("i64"), Int(Int64.min))
        XCTAssertNil(file.int("u64"), "UInt64.max does not fit an Int")
        XCTAssertNil(file.int("s"))
        XCTAssertEqual(file.float("i16"), -30_000)
        XCTAssertEqual(file.float("f64")!, 3.1415927, accuracy: 1e-6)
        XCTAssertEqual(file.bool("yes"), true)
        XCTAssertNil(file.bool("u8"))
        XCTAssertEqual(file.string("s"), "▁héllo <0x0A>")
        XCTAssertEqual(file.intArray("ints"), [1, -2, 3])
        XCTAssertEqual(file.floatArray("ints"), [1, -2, 3])
        XCTAssertEqual(file.stringArray("strs"), ["a", "", "ünï"])
        XCTAssertNil(file.stringArray("ints"))
        XCTAssertNil(file.int("missing"))
    }

    func testTensorsRoundTripWithAlignmentAndTypes() throws {
        for alignment in [1, 32, 64] {
            var w = GGUFWriter(alignment: alignment)
            w.add("general.architecture", .string("llama"))
            let f32 = (0..<6).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
            w.addTensor(name: "a", type: .f32, shape: [3, 2], data: f32)
            w.addTensor(name: "b", type: .q8_0, shape: [32, 2, 1], data: [UInt8](repeating: 7, count: 68))
            w.addTensor(name: "c", type: .q4_0, shape: [64], data: [UInt8](repeating: 9, count: 36))
            w.addTensor(name: "d", type: .f16, shape: [1, 1, 1, 3], data: [1, 2, 3, 4, 5, 6])
            let file = try GGUFFile(bytes: w.serialize(), name: "t.gguf")
            XCTAssertEqual(file.alignment, alignment)
            XCTAssertEqual(file.metadata["general.alignment"] != nil, alignment != 32)
            XCTAssertEqual(file.tensors.map(\.name), ["a", "b", "c", "d"])
            XCTAssertEqual(file.tensors.map(\.byteCount), [24, 68, 36, 6])
            XCTAssertEqual(file.tensors.map(\.elementCount), [6, 64, 64, 3])
            XCTAssertEqual(file.tensor(named: "b")?.shape, [32, 2, 1])
            XCTAssertEqual(file.tensor(named: "b")?.type, .q8_0)
            XCTAssertEqual(file.floats(of: file.tensor(named: "a")!), [0, 1, 2, 3, 4, 5])
            XCTAssertEqual(Array(file.bytes(of: file.tensor(named: "d")!)), [1, 2, 3, 4, 5, 6])
            for t in file.tensors {
                XCTAssertEqual(t.offset % alignment, 0)
                XCTAssertEqual((file.dataOffset + t.offset) % alignment, 0)
            }
            XCTAssertNil(file.tensor(named: "zzz"))
        }
    }

    func testReadsVersion2() throws {
        var w = GGUFWriter()
        w.add("k", .uint32(1))
        var bytes = w.serialize()
        bytes[4] = 2
        XCTAssertEqual(try GGUFFile(bytes: bytes, name: "v2.gguf").version, 2)
    }

    func testMappedFileMatchesInMemory() throws {
        let path = NSTemporaryDirectory() + "pdscope-gguf-\(getpid()).gguf"
        defer { unlink(path) }
        let w = GGUFTestSupport.tinyLlama(type: .q8_0)
        try w.write(to: path)
        let mapped = try GGUFFile(path: path)
        let memory = try GGUFFile(bytes: w.serialize(), name: "mem")
        XCTAssertTrue(mapped.name.hasPrefix("pdscope-gguf-"))
        XCTAssertEqual(mapped.tensors, memory.tensors)
        XCTAssertEqual(mapped.metadata, memory.metadata)
        XCTAssertEqual(mapped.byteCount, w.serialize().count)
        for t in mapped.tensors { XCTAssertTrue(mapped.bytes(of: t).elementsEqual(memory.bytes(of: t))) }
    }

    func testMissingAndEmptyFiles() throws {
        XCTAssertThrowsError(try GGUFFile(path: "/nonexistent/dir/model.gguf")) { e in
            XCTAssertTrue("\(e)".hasPrefix("model.gguf: cannot open"), "\(e)")
        }
        let path = NSTemporaryDirectory() + "pdscope-empty-\(getpid()).gguf"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { unlink(path) }
        XCTAssertThrowsError(try GGUFFile(path: path)) { e in XCTAssertTrue("\(e)".contains("truncated"), "\(e)") }
        XCTAssertThrowsError(try GGUFFile(path: NSTemporaryDirectory())) { e in
            XCTAssertTrue("\(e)".contains("not a regular file"), "\(e)")
        }
    }
}
