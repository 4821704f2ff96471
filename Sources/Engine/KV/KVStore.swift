/// The shared KV store of `pool` transfer mode (a third arena). Full prompt blocks are kept by the
/// hash of their whole prefix, so a later request with the same leading tokens can load them instead
/// of recomputing (Mooncake / LMCache style). Blocks in use by a transfer are pinned (ref-counted);
/// unpinned hashed blocks stay cached and are evicted least recently used first.
final class KVStore {
    struct Eviction { var block: Int32; var owner: RequestID }

    let capacity: Int
    private var freeList: [Int32]
    private var hashes: [UInt64?]
    private var refCounts: [Int]
    private var lastUse: [UInt64]
    private var owners: [RequestID?]
    private var byHash: [UInt64: Int32] = [:]
    private var tick: UInt64 = 0
    private(set) var hitBlockCount = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        freeList = (0..<Int32(capacity)).reversed()
        hashes = Array(repeating: nil, count: capacity)
        refCounts = Array(repeating: 0, count: capacity)
        lastUse = Array(repeating: 0, count: capacity)
        owners = Array(repeating: nil, count: capacity)
    }

    var usedCount: Int { capacity - freeList.count }
    var cachedCount: Int { byHash.count }

    /// The stored blocks for the longest run of leading `prefixHashes` present (not pinned).
    func lookup(_ prefixHashes: [UInt64]) -> [Int32] {
        var blocks: [Int32] = []
        for hash in prefixHashes {
            guard let block = byHash[hash] else { break }
            blocks.append(block)
        }
        return blocks
    }

    func block(forHash hash: UInt64) -> Int32? { byHash[hash] }

    /// Marks blocks in use by a transfer (they cannot be evicted) and as recently used.
    func pin(_ blocks: [Int32]) {
        tick += 1
        for block in blocks { refCounts[Int(block)] += 1; lastUse[Int(block)] = tick }
    }

    func recordHits(_ count: Int) { hitBlockCount += count }

    /// Releases pins. Unhashed blocks whose count drops to zero are freed and returned.
    func unpin(_ blocks: [Int32]) -> [Eviction] {
        var freed: [Eviction] = []
        for block in blocks {
            precondition(refCounts[Int(block)] > 0, "store block \(block) unpinned too often")
            refCounts[Int(block)] -= 1
            if refCounts[Int(block)] == 0 && hashes[Int(block)] == nil {
                freed.append(Eviction(block: block, owner: owners[Int(block)] ?? -1))
                release(block)
            }
        }
        checkInvariants()
        return freed
    }

    /// `count` pinned blocks for `request`, evicting least recently used cached blocks as needed;
    /// nil (and nothing changed) when pinned blocks leave too little room.
    func allocate(_ count: Int, for request: RequestID) -> (blocks: [Int32], evicted: [Eviction])? {
        let evictable = (0..<capacity).filter { refCounts[$0] == 0 && hashes[$0] != nil }
        guard count <= freeList.count + evictable.count else { return nil }
        var evicted: [Eviction] = []
        if count > freeList.count {
            let victims = evictable.sorted { lastUse[$0] < lastUse[$1] }.prefix(count - freeList.count)
            for victim in victims {
                evicted.append(Eviction(block: Int32(victim), owner: owners[victim] ?? -1))
                byHash[hashes[victim]!] = nil
                hashes[victim] = nil
                release(Int32(victim))
            }
        }
        let blocks = Array(freeList.suffix(count).reversed())
        freeList.removeLast(count)
        tick += 1
        for block in blocks {
            owners[Int(block)] = request; refCounts[Int(block)] = 1; lastUse[Int(block)] = tick
        }
        checkInvariants()
        return (blocks, evicted)
    }

    /// Makes a filled block findable by its prefix hash. Returns false when another block already
    /// holds that hash (the caller's copy then stays private and is freed on unpin).
    @discardableResult
    func publish(_ block: Int32, hash: UInt64) -> Bool {
        guard byHash[hash] == nil else { return false }
        byHash[hash] = block
        hashes[Int(block)] = hash
        return true
    }

    private func release(_ block: Int32) {
        owners[Int(block)] = nil
        refCounts[Int(block)] = 0
        freeList.append(block)
    }

    func checkInvariants() {
        #if DEBUG
        var seen = Set<Int32>()
        for block in freeList {
            precondition(seen.insert(block).inserted, "store block \(block) twice in the free list")
            precondition(owners[Int(block)] == nil && hashes[Int(block)] == nil && refCounts[Int(block)] == 0)
        }
        for (hash, block) in byHash { precondition(hashes[Int(block)] == hash) }
        #endif
    }
}

/// Prefix hashes of full blocks: block i's hash covers tokens 0..<(i+1)*blockSize, so equal hashes
/// mean equal whole prefixes (FNV-1a chained, stable across runs).
enum PrefixHash {
    static func chain(_ tokens: [Int32], blockSize: Int, fullBlocks: Int) -> [UInt64] {
        var result: [UInt64] = []
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for blockIndex in 0..<fullBlocks {
            for token in tokens[blockIndex * blockSize..<(blockIndex + 1) * blockSize] {
                var value = UInt32(bitPattern: token)
                for _ in 0..<4 {
                    hash = (hash ^ UInt64(value & 0xFF)) &* 0x100_0000_01B3
                    value >>= 8
                }
            }
            result.append(hash)
        }
        return result
    }
}
