import Kernels

/// A parsed GGUF model file (versions 2 and 3, little-endian). The header is checked in full at
/// init, so every tensor returned lies inside the file, is aligned, and overlaps no other tensor.
/// Tensor data stays in the memory mapping (or the owned copy) and is borrowed through `data(of:)`.
public final class GGUFFile: Sendable {
    /// The name used in error messages: the path's last component, or the name given.
    public let name: String
    public let version: UInt32
    public let alignment: Int
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order (the dictionary has none).
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// Size of the whole file in bytes.
    public let byteCount: Int
    /// Absolute offset of the data section; tensor offsets are relative to it.
    public let dataOffset: Int

    private let storage: GGUFStorage
    private let tensorIndex: [String: Int]

    /// Memory-maps and parses the file at `path`.
    public convenience init(path: String) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        try self.init(storage: GGUFStorage(mapping: path, name: name), name: name)
    }

    /// Parses an in-memory file (e.g. one built with GGUFWriter); the bytes are copied.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(storage: GGUFStorage(copying: bytes), name: name)
    }

    private init(storage: GGUFStorage, name: String) throws {
        var parser = GGUFParser(base: storage.base, count: storage.count, name: name)
        let header = try parser.parse()
        self.storage = storage
        self.name = name
        version = header.version
        alignment = header.alignment
        metadata = header.metadata
        metadataKeys = header.metadataKeys
        tensors = header.tensors
        byteCount = storage.count
        dataOffset = header.dataOffset
        tensorIndex = Dictionary(header.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The first byte of a tensor's data. Valid while this file object is alive.
    public func data(of info: GGUFTensorInfo) -> UnsafeRawPointer {
        precondition(info.offset >= 0 && dataOffset + info.offset + info.byteCount <= byteCount,
                     "tensor '\(info.name)' does not belong to \(name)")
        return storage.base! + dataOffset + info.offset
    }

    /// A tensor's bytes as a buffer.
    public func bytes(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: data(of: info), count: info.byteCount)
    }

    /// Decodes a whole tensor (any supported type) to floats, row by row along ne0.
    public func floats(of info: GGUFTensorInfo) -> [Float] {
        let rowLength = info.shape[0]
        let rows = info.elementCount / rowLength
        let rowBytes = info.byteCount / rows
        let base = data(of: info)
        return [Float](unsafeUninitializedCapacity: info.elementCount) { out, initialized in
            for r in 0..<rows {
                QuantizeReference.decodeRow(base + r * rowBytes, count: rowLength, as: info.type,
                                            into: out.baseAddress! + r * rowLength)
            }
            initialized = info.elementCount
        }
    }
}

/// Typed metadata lookups: nil when the key is absent or holds another kind of value.
extension GGUFFile {
    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    /// Any integer type.
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    /// Any float or integer type.
    public func float(_ key: String) -> Float? { metadata[key]?.floatValue }
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }

    public func stringArray(_ key: String) -> [String]? { array(key) { $0.stringValue } }
    public func floatArray(_ key: String) -> [Float]? { array(key) { $0.floatValue } }
    public func intArray(_ key: String) -> [Int]? { array(key) { $0.intValue } }

    private func array<T>(_ key: String, _ convert: (GGUFValue) -> T?) -> [T]? {
        guard let items = metadata[key]?.arrayValue else { return nil }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = convert(item) else { return nil }
            out.append(v)
        }
        return out
    }
}
