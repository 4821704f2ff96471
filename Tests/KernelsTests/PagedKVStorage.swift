@testable import Kernels

/// A sequence's K and V cache for the attention tests: every block a separate allocation of
/// random values in [-1, 1] stored as `type`, listed out of order (keys reversed, or values), so
/// nothing may assume contiguity.
final class PagedKVStorage {
    let kv: PagedKV
    private let storage: [UnsafeMutableRawPointer]

    init(type: KVCacheType, positions: Int, blockSize: Int, stride: Int, reverseValues: Bool = false,
         rng: inout some RandomNumberGenerator) {
        let blocks = (positions + blockSize - 1) / blockSize, elements = blockSize * stride
        storage = (0..<(2 * blocks)).map { _ in
            let p = UnsafeMutableRawPointer.allocate(byteCount: elements * type.bytesPerElement, alignment: 64)
            let row = (0..<elements).map { _ in Float.random(in: -1...1, using: &rng) }
            row.withUnsafeBufferPointer { Ops.storeKV($0.baseAddress!, count: elements, type: type, into: p) }
            return p
        }
        let keys = storage[0..<blocks].map { UnsafeRawPointer($0) }, values = storage[blocks...].map { UnsafeRawPointer($0) }
        kv = PagedKV(keyBlocks: reverseValues ? keys : keys.reversed(), valueBlocks: reverseValues ? values.reversed() : values,
                     type: type, blockSize: blockSize, rowStride: stride)
    }

    deinit { storage.forEach { $0.deallocate() } }
}
