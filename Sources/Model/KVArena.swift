import Kernels

/// Shape of one KV block: K and V of `blockSize` token slots for every layer.
/// A block is one contiguous run of bytes laid out [layer][K, V][slot][kvDim] of `cacheType`
/// elements (fp16 by default, as llama.cpp's cache), so moving a block between pools is a single memcpy.
public struct KVLayout: Equatable, Hashable, Sendable {
    public let layerCount: Int
    public let kvDim: Int
    public let blockSize: Int
    public let cacheType: KVCacheType

    public init(layerCount: Int, kvDim: Int, blockSize: Int = 16, cacheType: KVCacheType = .f16) {
        precondition(layerCount > 0 && kvDim > 0 && blockSize > 0)
        self.layerCount = layerCount; self.kvDim = kvDim; self.blockSize = blockSize; self.cacheType = cacheType
    }

    /// Elements in one layer's K (or V) part of a block.
    public var elementsPerLayerHalf: Int { blockSize * kvDim }
    public var blockElements: Int { layerCount * 2 * elementsPerLayerHalf }
    public var blockBytes: Int { blockElements * cacheType.bytesPerElement }
    /// Blocks needed to hold `tokens` tokens.
    public func blocksNeeded(tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }
}

/// One separate memory arena of KV blocks (a stand-in for one device's KV memory).
/// The arena only stores; which request owns which block is the engine's business.
// Unchecked: raw memory; a block is written only by the instance the engine gave it to.
public final class KVArena: @unchecked Sendable {
    public let layout: KVLayout
    public let blockCount: Int
    private let base: UnsafeMutableRawPointer

    public init(layout: KVLayout, blockCount: Int) {
        precondition(blockCount > 0)
        self.layout = layout
        self.blockCount = blockCount
        // Cache-line aligned, so a head's slice of a K/V row (head_dim elements) spans as few
        // lines as it can and the threads of an instance never write one line together.
        let bytes = layout.blockBytes * blockCount
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        switch layout.cacheType {  // bound to its element type: the kernels and `write` read it as such
        case .f16: base.bindMemory(to: UInt16.self, capacity: bytes / 2)
        case .f32: base.bindMemory(to: Float.self, capacity: bytes / 4)
        }
    }

    deinit { base.deallocate() }

    public var byteCount: Int { layout.blockBytes * blockCount }

    /// Start of block `index`.
    @inline(__always) public func block(_ index: Int) -> UnsafeMutableRawPointer {
        base + index * layout.blockBytes
    }

    /// K of `layer` in block `index`: blockSize rows of kvDim elements.
    @inline(__always) public func keys(block index: Int, layer: Int) -> UnsafeMutableRawPointer {
        block(index) + layer * 2 * layout.elementsPerLayerHalf * layout.cacheType.bytesPerElement
    }

    /// V of `layer` in block `index`.
    @inline(__always) public func values(block index: Int, layer: Int) -> UnsafeMutableRawPointer {
        keys(block: index, layer: layer) + layout.elementsPerLayerHalf * layout.cacheType.bytesPerElement
    }

    /// Stores kvDim floats as the K (or V) row of `slot` of `layer` in block `index`.
    @inline(__always) public func write(_ row: UnsafePointer<Float>, keys: Bool, block index: Int, layer: Int, slot: Int) {
        let half = keys ? self.keys(block: index, layer: layer) : values(block: index, layer: layer)
        Ops.storeKV(row, count: layout.kvDim, type: layout.cacheType,
                    into: half + slot * layout.kvDim * layout.cacheType.bytesPerElement)
    }

    /// Copies whole blocks from another arena (the KV transfer primitive). Returns bytes copied.
    @discardableResult
    public func copyBlocks(from source: KVArena, sourceBlocks: [Int32], destinationBlocks: [Int32]) -> Int {
        precondition(source.layout == layout && sourceBlocks.count == destinationBlocks.count)
        for (s, d) in zip(sourceBlocks, destinationBlocks) {
            block(Int(d)).copyMemory(from: source.block(Int(s)), byteCount: layout.blockBytes)
        }
        return sourceBlocks.count * layout.blockBytes
    }
}
