import Kernels

/// Everything a GGUF header says, checked against the bytes that exist.
struct GGUFHeader {
    var version: UInt32 = 0
    var alignment = 32
    var metadata: [String: GGUFValue] = [:]
    var metadataKeys: [String] = []
    var tensors: [GGUFTensorInfo] = []
    /// Absolute byte offset of the data section.
    var dataOffset = 0
}

/// Parses the GGUF layout (ggml's `gguf.h` describes it):
///   "GGUF" u32 version, u64 tensor count, u64 metadata count,
///   metadata: (string key, u32 type, value)*, tensor infos: (string name, u32 n_dims, u64 ne[n_dims],
///   u32 type, u64 offset)*, padding to the alignment, then the tensor data.
/// Strings are a u64 byte length plus UTF-8 bytes; arrays are u32 element type, u64 count, elements.
/// Each read is checked against the bytes remaining, so any input gives a header or a GGUFError.
struct GGUFParser {
    static let supportedVersions: ClosedRange<UInt32> = 2...3
    /// Deeper nesting than this is surely hostile; the limit keeps recursion off the stack's edge.
    static let maxArrayDepth = 8

    private var cursor: GGUFByteCursor
    private let name: String

    init(base: UnsafeRawPointer?, count: Int, name: String) {
        cursor = GGUFByteCursor(base: base, count: count)
        self.name = name
    }

    private func error(_ text: String) -> GGUFError { GGUFError("\(name): \(text)") }

    private func truncated(_ what: String, at position: Int) -> GGUFError {
        error("truncated: \(what) at byte \(position) runs past the end of the file (\(cursor.count) bytes)")
    }

    private mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 {
        let at = cursor.position
        guard let v = cursor.readInteger(as: UInt32.self) else { throw truncated(what(), at: at) }
        return v
    }

    private mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 {
        let at = cursor.position
        guard let v = cursor.readInteger(as: UInt64.self) else { throw truncated(what(), at: at) }
        return v
    }

    private mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let at = cursor.position
        let length = try u64(what())
        guard let bytes = cursor.readBytes(length: length) else {
            throw error("truncated: \(what()) at byte \(at) is \(length) bytes long, but only \(cursor.remaining) bytes remain")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func parse() throws -> GGUFHeader {
        var header = GGUFHeader()
        let magic = try u32("the magic number")
        guard magic == 0x4655_4747 else {  // "GGUF" read as a little-endian u32
            let shown = withUnsafeBytes(of: magic.littleEndian) { $0.map { String(format2: $0) }.joined(separator: " ") }
            throw error("not a GGUF file: starts with bytes \(shown), expected 'GGUF'")
        }
        header.version = try u32("the version")
        guard Self.supportedVersions.contains(header.version) else {
            if Self.supportedVersions.contains(header.version.byteSwapped) {
                throw error("big-endian GGUF (version \(header.version.byteSwapped)) is not supported")
            }
            throw error("unsupported GGUF version \(header.version) (supported: 2 and 3)")
        }
        let tensorCount = try u64("the tensor count")
        let keyCount = try u64("the metadata count")
        // Each key takes at least 13 bytes and each tensor info 32; refuse counts the file cannot hold.
        guard keyCount <= UInt64(cursor.remaining / 13) else {
            throw error("truncated: header claims \(keyCount) metadata keys, more than the \(cursor.remaining) bytes left can hold")
        }
        guard tensorCount <= UInt64(cursor.remaining / 32) else {
            throw error("truncated: header claims \(tensorCount) tensors, more than the \(cursor.remaining) bytes left can hold")
        }
        for index in 0..<Int(keyCount) {
            let at = cursor.position
            let key = try string("metadata key #\(index)")
            let rawType = try u32("the type of metadata key '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw error("metadata key '\(key)' at byte \(at) has unknown value type \(rawType)")
            }
            let value = try readValue(type, key: key, depth: 0)
            guard header.metadata.updateValue(value, forKey: key) == nil else {
                throw error("duplicate metadata key '\(key)' at byte \(at)")
            }
            header.metadataKeys.append(key)
        }
        header.alignment = try alignment(header.metadata["general.alignment"])
        var seen = Set<String>()
        for index in 0..<Int(tensorCount) {
            let info = try readTensorInfo(index: index, alignment: header.alignment)
            guard seen.insert(info.name).inserted else { throw error("duplicate tensor name '\(info.name)'") }
            header.tensors.append(info)
        }
        // The data section starts at the next multiple of the alignment; a file without tensors may end before it.
        let alignment = header.alignment
        header.dataOffset = cursor.position.roundedUp(to: alignment) ?? Int.max
        try checkDataLayout(header)
        return header
    }

    private mutating func readValue(_ type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
        let what = "the value of metadata key '\(key)'"
        switch type {
        case .uint8: return .uint8(try scalar(UInt8.self, what))
        case .int8: return .int8(try scalar(Int8.self, what))
        case .uint16: return .uint16(try scalar(UInt16.self, what))
        case .int16: return .int16(try scalar(Int16.self, what))
        case .uint32: return .uint32(try scalar(UInt32.self, what))
        case .int32: return .int32(try scalar(Int32.self, what))
        case .uint64: return .uint64(try scalar(UInt64.self, what))
        case .int64: return .int64(try scalar(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try scalar(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try scalar(UInt64.self, what)))
        case .bool: return .bool(try scalar(UInt8.self, what) != 0)  // ggml treats any non-zero byte as true
        case .string: return .string(try string(what))
        case .array:
            let at = cursor.position
            guard depth < Self.maxArrayDepth else {
                throw error("metadata key '\(key)' nests arrays deeper than \(Self.maxArrayDepth) levels (at byte \(at))")
            }
            let rawType = try u32("the element type of metadata key '\(key)'")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw error("metadata key '\(key)' at byte \(at) is an array of unknown value type \(rawType)")
            }
            let count = try u64("the element count of metadata key '\(key)'")
            guard count <= UInt64(cursor.remaining / elementType.minimumSize) else {
                throw error("truncated: metadata key '\(key)' at byte \(at) claims \(count) \(elementType) elements, "
                            + "but only \(cursor.remaining) bytes remain")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { items.append(try readValue(elementType, key: key, depth: depth + 1)) }
            return .array(elementType, items)
        }
    }

    private mutating func scalar<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let at = cursor.position
        guard let v = cursor.readInteger(as: T.self) else { throw truncated(what, at: at) }
        return v
    }

    private func alignment(_ value: GGUFValue?) throws -> Int {
        guard let value else { return 32 }
        guard let n = value.intValue else {
            throw error("general.alignment has type \(value.type), expected an unsigned integer")
        }
        guard n > 0, n & (n - 1) == 0 else { throw error("general.alignment \(n) is not a power of two greater than 0") }
        return n
    }

    private mutating func readTensorInfo(index: Int, alignment: Int) throws -> GGUFTensorInfo {
        let name = try string("the name of tensor #\(index)")
        let dimCount = try u32("the dimension count of tensor '\(name)'")
        guard (1...4).contains(dimCount) else {
            throw error("tensor '\(name)' has \(dimCount) dimensions (1 to 4 are supported)")
        }
        var shape: [Int] = []
        var elements = 1
        for d in 0..<Int(dimCount) {
            let ne = try u64("dimension \(d) of tensor '\(name)'")
            guard ne >= 1, ne <= UInt64(Int.max) else { throw error("tensor '\(name)' dimension \(d) is \(Int64(bitPattern: ne)), must be positive") }
            shape.append(Int(ne))
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(ne))
            guard !overflow else { throw error("tensor '\(name)' shape \(shape.map(String.init).joined(separator: " x ")) has too many elements") }
            elements = product
        }
        let rawType = try u32("the type of tensor '\(name)'")
        guard let type = TensorType(rawValue: rawType) else {
            let known = GGUFParser.ggmlTypeNames[rawType].map { " (\($0))" } ?? ""
            throw error("tensor '\(name)' has type id \(rawType)\(known), which is not supported (F32, F16, Q4_0, Q4_1, Q8_0 are)")
        }
        guard shape[0] % type.blockSize == 0 else {
            throw error("tensor '\(name)' row length \(shape[0]) is not a multiple of \(type)'s block size \(type.blockSize)")
        }
        guard let bytes = type.byteCount(elements: elements) else {
            throw error("tensor '\(name)' shape \(shape.map(String.init).joined(separator: " x ")) is too large")
        }
        let rawOffset = try u64("the data offset of tensor '\(name)'")
        guard rawOffset <= UInt64(Int.max), Int(rawOffset) % alignment == 0 else {
            throw error("tensor '\(name)' data offset \(rawOffset) is not a multiple of the alignment \(alignment)")
        }
        return GGUFTensorInfo(name: name, shape: shape, type: type, offset: Int(rawOffset),
                              byteCount: bytes, elementCount: elements)
    }

    /// Every tensor must lie inside the file and no two may share bytes.
    private func checkDataLayout(_ header: GGUFHeader) throws {
        for t in header.tensors {
            let (start, o1) = header.dataOffset.addingReportingOverflow(t.offset)
            let (end, o2) = start.addingReportingOverflow(t.byteCount)
            guard !o1, !o2, end <= cursor.count else {
                let shownEnd = (o1 || o2) ? "\(UInt64(header.dataOffset) &+ UInt64(t.offset) &+ UInt64(t.byteCount))" : "\(end)"
                throw error("tensor '\(t.name)' data ends at byte \(shownEnd), past the end of the file (\(cursor.count) bytes)")
            }
        }
        let byOffset = header.tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw error("tensor '\(b.name)' data (offset \(b.offset)) overlaps tensor '\(a.name)' "
                        + "(offset \(a.offset), \(a.byteCount) bytes)")
        }
    }

    /// ggml type names for ids this reader does not support, so the error says what the file holds.
    static let ggmlTypeNames: [UInt32: String] = [
        3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K",
        14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL",
        21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64",
        29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
    ]
}

extension Int {
    /// The next multiple of `alignment` (a power of two), or nil on overflow.
    func roundedUp(to alignment: Int) -> Int? {
        let (sum, overflow) = addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}

extension String {
    /// Two hex digits for a byte, without Foundation.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }
}
