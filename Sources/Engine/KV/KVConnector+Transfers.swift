import Model

/// The copies the connector plans and what happens when they have run: prefix loads from the
/// store into a pool, and pushes from a prefill pool to a decode reservation.
extension KVConnector {
    struct CachedPrefix {
        var blocks: [Int32]
        var hashes: [UInt64]
        var tokens: Int
    }

    /// The store's blocks for the leading full blocks of `tokens`. At least one token is always
    /// left to compute, because the last prompt token's logits are needed to sample.
    func cachedPrefix(_ tokens: [Int32]) -> CachedPrefix {
        guard let store else { return CachedPrefix(blocks: [], hashes: [], tokens: 0) }
        let full = (tokens.count - 1) / layout.blockSize
        let hashes = PrefixHash.chain(tokens, blockSize: layout.blockSize, fullBlocks: full)
        let blocks = store.lookup(hashes)
        return CachedPrefix(blocks: blocks, hashes: Array(hashes.prefix(blocks.count)), tokens: blocks.count * layout.blockSize)
    }

    /// Plans loading a prefix hit into `destination` blocks of `instance` (pinned until it ran).
    func loadPrefix(_ cached: CachedPrefix, for request: RequestID, into instance: Instance, destination: [Int32]) -> LoadJob? {
        guard !cached.blocks.isEmpty, let store, let storeArena else { return nil }
        store.pin(cached.blocks)
        store.recordHits(cached.blocks.count)
        events.emit(.prefixCacheHit(request: request, blocks: cached.blocks.count, tokens: cached.tokens))
        let copy = CopyJob(transfer: takeTransferID(), request: request, from: .store, to: instance.location,
                           source: storeArena, destination: instance.arena, sourceBlocks: cached.blocks,
                           destinationBlocks: destination, mode: mode)
        return LoadJob(request: request, copy: copy, storePins: cached.blocks)
    }

    func completeLoad(_ load: LoadJob, _ timing: CopyTiming) {
        started([load.copy], [timing])
        let copy = load.copy
        let end = max(timing.end, timing.start + linkSeconds(bytes: timing.bytes))
        events.emit(.kvTransferEnded(transfer: copy.transfer, request: copy.request, from: copy.from, to: copy.to,
                                     blocks: copy.sourceBlocks.count, bytes: timing.bytes, mode: copy.mode), at: end)
        _ = store?.unpin(load.storePins)
    }

    func makePush(_ request: Request, from prefill: Instance) -> PushJob? {
        guard let handoff = handoff(of: request.id), let reservation = handoff.reservation else { return nil }
        let decode = instances[handoff.decode]
        let source = request.blockTable
        guard let store, let storeArena else {
            let copy = CopyJob(transfer: takeTransferID(), request: request.id, from: prefill.location,
                               to: decode.location, source: prefill.arena, destination: decode.arena,
                               sourceBlocks: source, destinationBlocks: reservation, mode: .p2p)
            return PushJob(request: request.id, copies: [copy], decodeInstance: decode.id)
        }
        // Full blocks already in the store (same prefix) are not copied again.
        let full = min(request.computed / layout.blockSize, source.count)
        let hashes = PrefixHash.chain(request.tokens, blockSize: layout.blockSize, fullBlocks: full)
        var storeBlocks = [Int32?](repeating: nil, count: source.count)
        for (position, hash) in hashes.enumerated() { storeBlocks[position] = store.block(forHash: hash) }
        let missing = storeBlocks.indices.filter { storeBlocks[$0] == nil }
        guard let (fresh, evicted) = store.allocate(missing.count, for: request.id) else { return nil }
        for eviction in evicted {
            events.emit(.blocksFreed(location: .store, request: eviction.owner, blocks: [eviction.block]))
        }
        if !fresh.isEmpty { events.emit(.blocksAllocated(location: .store, request: request.id, blocks: fresh)) }
        let reused = storeBlocks.compactMap { $0 }
        store.pin(reused)
        var publish: [(block: Int32, hash: UInt64)] = []
        for (slot, position) in missing.enumerated() {
            storeBlocks[position] = fresh[slot]
            if position < hashes.count { publish.append((fresh[slot], hashes[position])) }
        }
        var copies: [CopyJob] = []
        if !missing.isEmpty {
            copies.append(CopyJob(transfer: takeTransferID(), request: request.id, from: prefill.location, to: .store,
                                  source: prefill.arena, destination: storeArena,
                                  sourceBlocks: missing.map { source[$0] }, destinationBlocks: fresh, mode: .pool))
        }
        copies.append(CopyJob(transfer: takeTransferID(), request: request.id, from: .store, to: decode.location,
                              source: storeArena, destination: decode.arena,
                              sourceBlocks: storeBlocks.map { $0! }, destinationBlocks: reservation, mode: .pool))
        return PushJob(request: request.id, copies: copies, decodeInstance: decode.id,
                       storePins: reused + fresh, storePublish: publish)
    }

    /// After a push's copies ran and the prefill blocks went back: the store keeps what it can
    /// share, and the request waits on the decode side until the link would have delivered it.
    func completePush(_ push: PushJob, _ timings: [CopyTiming], request: Request, now: Double) {
        if let store {
            for item in push.storePublish { store.publish(item.block, hash: item.hash) }
            for eviction in store.unpin(push.storePins) {
                events.emit(.blocksFreed(location: .store, request: eviction.owner, blocks: [eviction.block]))
            }
        }
        // Each hop takes at least as long as the link would need for its bytes.
        var time = timings.first?.start ?? now
        var ends: [PendingTransferEnd] = []
        for (copy, timing) in zip(push.copies, timings) {
            time = max(timing.end, time + linkSeconds(bytes: timing.bytes))
            ends.append(PendingTransferEnd(copy: copy, bytes: timing.bytes, time: time))
        }
        land(request, arrivals: ends, readyAt: time)
    }
}
