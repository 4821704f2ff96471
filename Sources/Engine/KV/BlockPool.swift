/// The paged KV pool of one instance: which blocks of its arena are free and which request holds
/// each used block. Plain bookkeeping, mutated only under the engine lock; the engine emits the
/// `blocksAllocated` / `blocksFreed` events.
final class BlockPool {
    let capacity: Int
    /// Free block ids; the lowest id is at the end so allocation fills the arena from the front.
    private var freeList: [Int32]
    private var owners: [RequestID?]

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        freeList = (0..<Int32(capacity)).reversed()
        owners = Array(repeating: nil, count: capacity)
    }

    var freeCount: Int { freeList.count }
    var usedCount: Int { capacity - freeList.count }

    func canAllocate(_ count: Int) -> Bool { count <= freeList.count }

    /// `count` blocks for `request`, or nil (and nothing taken) when there are not enough.
    func allocate(_ count: Int, for request: RequestID) -> [Int32]? {
        guard count <= freeList.count else { return nil }
        guard count > 0 else { return [] }
        let blocks = Array(freeList.suffix(count).reversed())
        freeList.removeLast(count)
        for block in blocks { owners[Int(block)] = request }
        checkInvariants()
        return blocks
    }

    /// Gives `blocks` back; each must be held by `request`.
    func free(_ blocks: [Int32], from request: RequestID) {
        for block in blocks {
            precondition(owners[Int(block)] == request, "block \(block) freed by \(request) but held by \(String(describing: owners[Int(block)]))")
            owners[Int(block)] = nil
            freeList.append(block)
        }
        checkInvariants()
    }

    func owner(of block: Int32) -> RequestID? { owners[Int(block)] }

    /// Every block is either free exactly once or owned. Compiled out of release builds.
    func checkInvariants() {
        #if DEBUG
        precondition(freeList.count <= capacity)
        var seen = Set<Int32>()
        for block in freeList {
            precondition(seen.insert(block).inserted, "block \(block) twice in the free list")
            precondition(owners[Int(block)] == nil, "free block \(block) has an owner")
        }
        precondition(owners.filter { $0 != nil }.count == capacity - freeList.count)
        #endif
    }
}
