/// Shape of one KV block: K and V of `blockSize` token slots for every layer.
/// A block is one contiguous run of bytes laid out [layer][K, V][slot][kvDim] (float32), so moving a
/// block between pools is a single memcpy.
public struct KVLayout: Equatable, Hashable, Sendable {
    public let layerCount: Int
    public let kvDim: Int
    public let blockSize: Int

    public init(layerCount: Int, kvDim: Int, blockSize: Int = 16) {
        precondition(layerCount > 0 && kvDim > 0 && blockSize > 0)
        self.layerCount = layerCount; self.kvDim = kvDim; self.blockSize = blockSize
    }

    /// Floats in one layer's K (or V) part of a block.
    public var floatsPerLayerHalf: Int { blockSize * kvDim }
    public var blockFloats: Int { layerCount * 2 * floatsPerLayerHalf }
    public var blockBytes: Int { blockFloats * MemoryLayout<Float>.stride }
    /// Blocks needed to hold `tokens` tokens.
    public func blocksNeeded(tokens: Int) -> Int { (tokens + blockSize - 1) / blockSize }
}

/// One separate memory arena of KV blocks (a stand-in for one device's KV memory).
/// The arena only stores; which request owns which block is the engine's business.
// Unchecked: raw float memory; a block is written only by the instance the engine gave it to.
public final class KVArena: @unchecked Sendable {
    public let layout: KVLayout
    public let blockCount: Int
    private let base: UnsafeMutablePointer<Float>

    public init(layout: KVLayout, blockCount: Int) {
        precondition(blockCount > 0)
        self.layout = layout
        self.blockCount = blockCount
        // Cache-line aligned, so a head's slice of a K/V row (head_dim floats) spans as few
        // lines as it can and the threads of an instance never write one line together.
        let floats = layout.blockFloats * blockCount
        base = UnsafeMutableRawPointer.allocate(byteCount: floats * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: floats)
        base.initialize(repeating: 0, count: floats)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    public var byteCount: Int { layout.blockBytes * blockCount }

    /// Start of block `index`.
    @inline(__always) public func block(_ index: Int) -> UnsafeMutablePointer<Float> {
        base + index * layout.blockFloats
    }

    /// K of `layer` in block `index`: blockSize rows of kvDim floats.
    @inline(__always) public func keys(block index: Int, layer: Int) -> UnsafeMutablePointer<Float> {
        block(index) + layer * 2 * layout.floatsPerLayerHalf
    }

    /// V of `layer` in block `index`.
    @inline(__always) public func values(block index: Int, layer: Int) -> UnsafeMutablePointer<Float> {
        keys(block: index, layer: layer) + layout.floatsPerLayerHalf
    }

    /// Copies whole blocks from another arena (the KV transfer primitive). Returns bytes copied.
    @discardableResult
    public func copyBlocks(from source: KVArena, sourceBlocks: [Int32], destinationBlocks: [Int32]) -> Int {
        precondition(source.layout == layout && sourceBlocks.count == destinationBlocks.count)
        for (s, d) in zip(sourceBlocks, destinationBlocks) {
            block(Int(d)).update(from: source.block(Int(s)), count: layout.blockFloats)
        }
        return sourceBlocks.count * layout.blockBytes
    }
}
