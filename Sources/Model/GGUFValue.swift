import Kernels

/// The 13 value type ids of GGUF metadata (`enum gguf_type` in ggml's gguf.h).
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of one value on disk, or nil for variable-length types (string, array).
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes one value can take; used to reject array counts the file cannot hold
    /// before allocating anything (a string is at least its 8-byte length, an array its 12-byte header).
    var minimumSize: Int {
        switch self {
        case .string: return 8
        case .array: return 12
        default: return fixedSize!
        }
    }

    public var description: String {
        ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
         "bool", "string", "array", "uint64", "int64", "float64"][Int(rawValue)]
    }
}

/// One GGUF metadata value. Arrays carry their element type so an empty array round-trips.
public indirect enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), array(GGUFValueType, [GGUFValue])
    case uint64(UInt64), int64(Int64), float64(Double)

    /// The on-disk type id of this value.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// Any integer type as Int; nil for other types or a uint64 beyond Int.max.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// Any float or integer type as Float.
    public var floatValue: Float? {
        switch self {
        case .float32(let v): return v
        case .float64(let v): return Float(v)
        default: return intValue.map(Float.init)
        }
    }

    public var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    public var stringValue: String? { if case .string(let v) = self { return v } else { return nil } }
    public var arrayValue: [GGUFValue]? { if case .array(_, let v) = self { return v } else { return nil } }

    /// A short rendering for reports: arrays show their element type and count, not their contents.
    public var summary: String {
        switch self {
        case .string(let s): return "'\(s)'"
        case .array(let t, let items): return "[\(t) × \(items.count)]"
        case .bool(let b): return b ? "true" : "false"
        case .float32(let f): return "\(f)"
        case .float64(let d): return "\(d)"
        default: return intValue.map { "\($0)" } ?? "\(self)"
        }
    }
}

/// Where one tensor lives inside a GGUF file. `shape` is ggml order: ne0 (the row length) first.
public struct GGUFTensorInfo: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let type: TensorType
    /// Byte offset relative to the start of the data section.
    public let offset: Int
    public let byteCount: Int
    public let elementCount: Int

    public init(name: String, shape: [Int], type: TensorType, offset: Int, byteCount: Int, elementCount: Int) {
        self.name = name; self.shape = shape; self.type = type
        self.offset = offset; self.byteCount = byteCount; self.elementCount = elementCount
    }

    /// "64 x 512" style, ne0 first as in llama.cpp's tools.
    public var shapeDescription: String { shape.map(String.init).joined(separator: " x ") }
}

/// A one-line error about a model file: it names the file and what is wrong where.
public struct GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
