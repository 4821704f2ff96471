import Foundation
import Kernels

/// Builds a GGUF v3 file in memory: metadata in insertion order, then tensor infos, then the
/// tensor data, each tensor starting at a multiple of `alignment`.
/// The writer does not validate what it is given (duplicate keys, data of the wrong size, ...):
/// it serializes exactly that, which is what tests need to build broken files. GGUFFile validates.
public struct GGUFWriter {
    public let alignment: Int
    public private(set) var entries: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [(name: String, type: TensorType, shape: [Int], data: [UInt8])] = []

    public init(alignment: Int = 32) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        self.alignment = alignment
    }

    public mutating func add(_ key: String, _ value: GGUFValue) {
        entries.append((key, value))
    }

    /// `shape` is ggml order (ne0, the row length, first); `data` is the tensor in `type`'s encoding.
    public mutating func addTensor(name: String, type: TensorType, shape: [Int], data: [UInt8]) {
        tensors.append((name, type, shape, data))
    }

    /// Replaces the data of an existing tensor (used to patch a converted model); false if absent.
    @discardableResult
    public mutating func replaceTensorData(name: String, with data: [UInt8]) -> Bool {
        guard let i = tensors.firstIndex(where: { $0.name == name }) else { return false }
        tensors[i].data = data
        return true
    }

    public func serialize() -> [UInt8] {
        var out: [UInt8] = []
        var keyed = entries
        // A reader assumes 32 unless told, so a different alignment must be written down.
        if alignment != 32 && !keyed.contains(where: { $0.key == "general.alignment" }) {
            keyed.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        out.append(contentsOf: Array("GGUF".utf8))
        append(UInt32(3), to: &out)
        append(UInt64(tensors.count), to: &out)
        append(UInt64(keyed.count), to: &out)
        for (key, value) in keyed {
            append(string: key, to: &out)
            append(value.type.rawValue, to: &out)
            append(value: value, to: &out)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset = (offset + t.data.count).roundedUp(to: alignment)!
        }
        for (t, tensorOffset) in zip(tensors, offsets) {
            append(string: t.name, to: &out)
            append(UInt32(t.shape.count), to: &out)
            for ne in t.shape { append(UInt64(truncatingIfNeeded: ne), to: &out) }
            append(t.type.rawValue, to: &out)
            append(UInt64(tensorOffset), to: &out)
        }
        pad(&out)
        for t in tensors {
            out.append(contentsOf: t.data)
            pad(&out)
        }
        return out
    }

    public func write(to path: String) throws {
        let bytes = serialize()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            throw GGUFError("\(name): cannot write: \(error.localizedDescription)")
        }
    }

    private func pad(_ out: inout [UInt8]) {
        let padded = out.count.roundedUp(to: alignment)!
        out.append(contentsOf: repeatElement(0, count: padded - out.count))
    }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private func append(string: String, to out: inout [UInt8]) {
        let utf8 = Array(string.utf8)
        append(UInt64(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    private func append(value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &out)
        case .string(let s): append(string: s, to: &out)
        case .array(let type, let items):
            append(type.rawValue, to: &out)
            append(UInt64(items.count), to: &out)
            for item in items { append(value: item, to: &out) }
        }
    }
}
