import Foundation

/// SHA-256 of a model file for the trace header's model identity ("sha256:<hex>"), so two
/// traces can be told apart even when their models share a name. The same digests are listed
/// in the model READMEs. Written here because Foundation on Linux has no SHA-256 and the
/// package takes no crypto dependency; speed is ample for model files of a few MB.
public struct ContentHash {
    private var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var pending: [UInt8] = []
    /// Whole 64-byte blocks compressed so far (the message length goes into the padding).
    private var processedBlocks: UInt64 = 0

    public init() {}

    /// "sha256:<64 hex digits>" of the file's bytes, read in chunks.
    public static func sha256(fileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileFormatError(path: path, line: nil, message: "cannot be read to compute its hash")
        }
        defer { try? handle.close() }
        var hash = ContentHash()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { hash.update(raw: $0) }
        }
        return "sha256:" + hash.finalize()
    }

    public static func sha256<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hash = ContentHash()
        hash.update(bytes)
        return hash.finalize()
    }

    /// Whole blocks straight from the buffer: model files are ~100 MB, hashed when a recording
    /// starts, so this path avoids copying byte by byte.
    public mutating func update(raw: UnsafeRawBufferPointer) {
        var offset = 0
        while !pending.isEmpty && offset < raw.count {
            pending.append(raw[offset]); offset += 1
            if pending.count == 64 { pending.withUnsafeBytes { compress($0, at: 0) }; pending.removeAll(keepingCapacity: true) }
        }
        while raw.count - offset >= 64 { compress(raw, at: offset); offset += 64 }
        pending.append(contentsOf: raw[offset...])
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            pending.append(byte)
            if pending.count == 64 { pending.withUnsafeBytes { compress($0, at: 0) }; pending.removeAll(keepingCapacity: true) }
        }
    }

    /// The digest as lowercase hex; the hash must not be updated afterwards.
    public mutating func finalize() -> String {
        let bitLength = (processedBlocks * 64 + UInt64(pending.count)) &* 8
        pending.append(0x80)
        while pending.count % 64 != 56 { pending.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { pending.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        pending.withUnsafeBytes { raw in for start in stride(from: 0, to: raw.count, by: 64) { compress(raw, at: start) } }
        pending = []
        return state.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// One 64-byte block starting at `start`.
    private mutating func compress(_ raw: UnsafeRawBufferPointer, at start: Int) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { compress(raw, at: start, schedule: $0) }
    }

    private mutating func compress(_ raw: UnsafeRawBufferPointer, at start: Int, schedule w: UnsafeMutableBufferPointer<UInt32>) {
        processedBlocks += 1
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for i in 0..<16 {
            let p = start + 4 * i
            w[i] = UInt32(raw[p]) << 24 | UInt32(raw[p + 1]) << 16 | UInt32(raw[p + 2]) << 8 | UInt32(raw[p + 3])
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
        for i in 0..<64 {
            let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ Self.k[i] &+ w[i]
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        for (i, v) in [a, b, c, d, e, f, g, h].enumerated() { state[i] = state[i] &+ v }
    }
}
