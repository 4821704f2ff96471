/// A read cursor over borrowed bytes, in the style of swift-nio's ByteBuffer: every `read*`
/// returns nil when the bytes remaining are too few (and then leaves the cursor where it was),
/// so a parser can turn each short read into a precise error instead of trapping.
struct GGUFByteCursor {
    let base: UnsafeRawPointer?
    let count: Int
    private(set) var position: Int = 0

    init(base: UnsafeRawPointer?, count: Int) {
        self.base = base; self.count = count
    }

    var remaining: Int { count - position }

    /// A little-endian integer of type T.
    mutating func readInteger<T: FixedWidthInteger>(as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard remaining >= size, let base else { return nil }
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: position, as: T.self))
        position += size
        return value
    }

    mutating func readFloat() -> Float? { readInteger(as: UInt32.self).map(Float.init(bitPattern:)) }
    mutating func readDouble() -> Double? { readInteger(as: UInt64.self).map(Double.init(bitPattern:)) }

    /// `length` raw bytes; a length beyond what remains (including one that does not fit an Int) gives nil.
    mutating func readBytes(length: UInt64) -> UnsafeRawBufferPointer? {
        guard length <= UInt64(remaining) else { return nil }
        let n = Int(length)
        defer { position += n }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + position, count: n)
    }
}
