/// The KV connector: moving a finished prefill's blocks to its decode instance.
/// - p2p: prefill pool → decode pool (one copy).
/// - pool: prefill pool → store → decode pool (two copies); full prompt blocks stay in the store
///   under their prefix hash, so later requests load them instead of recomputing.
/// The decode side reserves blocks first (intake), then the prefill instance copies in its next
/// step, outside the lock; the decode instance admits the request when the (optionally emulated)
/// link would have delivered it.
extension EngineCore {
    /// Decode side: reserve blocks for incoming KV, first come first served, within `--max-running`.
    /// With d-first, also decides between a local and a remote prefill.
    func processIntake(_ instance: Instance, now: Double) {
        var index = 0
        while index < instance.intake.count {
            let request = instance.intake[index]
            guard request.readyTime <= now, request.reservation == nil else { index += 1; continue }
            if config.route == .dFirst && request.prefillInstance == nil && !request.isPrefillDone,
               let limit = config.localPrefillMax {
                let uncached = uncachedTokens(request)
                if uncached <= limit {
                    instance.intake.remove(at: index)
                    emit(.routed(request: request.id, instance: instance.id, role: .decode,
                                 reason: "local prefill: \(uncached) uncached tokens ≤ --local-prefill-max \(limit)"))
                    enqueueWaiting(request, on: instance)
                    continue
                }
            }
            guard instance.occupancy < config.maxRunning else { return }
            let kvTokens = request.isPrefillDone ? request.computed : request.tokens.count
            guard let blocks = instance.pool.allocate(layout.blocksNeeded(tokens: kvTokens), for: request.id) else { return }
            emit(.blocksAllocated(location: instance.location, request: request.id, blocks: blocks))
            request.reservation = blocks
            request.decodeInstance = instance.id
            if request.isPrefillDone {
                let prefill = instances[request.prefillInstance!]
                prefill.handoff.removeAll { $0 === request }
                request.readyTime = now
                prefill.pushes.append(request)
            } else {
                if request.state != .prefilling {
                    request.state = .waitingForRemoteKV
                    emit(.waitingForRemoteKV(request: request.id, instance: instance.id))
                }
                if request.prefillInstance == nil {
                    let why = config.localPrefillMax.map { "d-first remote prefill: \(uncachedTokens(request)) uncached tokens > --local-prefill-max \($0)" } ?? "d-first"
                    sendToPrefill(request, why: why)
                }
            }
            index += 1
        }
    }

    /// Prefill side: plan the copies of every request whose decode reservation is ready.
    func planPushes(_ instance: Instance, into plan: inout StepPlan, now: Double) {
        var index = 0
        while index < instance.pushes.count {
            let request = instance.pushes[index]
            guard request.readyTime <= now, let push = makePush(request, from: instance) else { index += 1; continue }
            instance.pushes.remove(at: index)
            plan.pushes.append(push)
        }
    }

    private func makePush(_ request: Request, from prefill: Instance) -> PushJob? {
        let decode = instances[request.decodeInstance!]
        let reservation = request.reservation!
        let source = request.blockTable
        guard let store, let storeArena else {
            let copy = CopyJob(transfer: takeTransferID(), request: request.id, from: prefill.location,
                               to: decode.location, source: prefill.arena, destination: decode.arena,
                               sourceBlocks: source, destinationBlocks: reservation, mode: .p2p)
            return PushJob(request: request, copies: [copy], decodeInstance: decode.id)
        }
        // Full blocks already in the store (same prefix) are not copied again.
        let full = min(request.computed / layout.blockSize, source.count)
        let hashes = PrefixHash.chain(request.tokens, blockSize: layout.blockSize, fullBlocks: full)
        var storeBlocks = [Int32?](repeating: nil, count: source.count)
        for (position, hash) in hashes.enumerated() { storeBlocks[position] = store.block(forHash: hash) }
        let missing = storeBlocks.indices.filter { storeBlocks[$0] == nil }
        guard let (fresh, evicted) = store.allocate(missing.count, for: request.id) else { return nil }
        for eviction in evicted {
            emit(.blocksFreed(location: .store, request: eviction.owner, blocks: [eviction.block]))
        }
        if !fresh.isEmpty { emit(.blocksAllocated(location: .store, request: request.id, blocks: fresh)) }
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
        return PushJob(request: request, copies: copies, decodeInstance: decode.id,
                       storePins: reused + fresh, storePublish: publish)
    }

    /// Decode side: requests whose KV has arrived join the running batch.
    func admitInbound(_ instance: Instance, now: Double) {
        for request in instance.inbound where request.readyTime <= now {
            for end in request.pendingTransferEnds {
                emit(.kvTransferEnded(transfer: end.transfer, request: request.id, from: end.from, to: end.to,
                                      blocks: end.blocks, bytes: end.bytes, mode: end.mode), at: end.time)
            }
            request.pendingTransferEnds = []
            request.state = .decoding
            instance.running.append(request)
        }
        instance.inbound.removeAll { $0.readyTime <= now }
    }

    /// After the copies ran: the prefill blocks go back, the store keeps what it can share, and the
    /// request waits on the decode side until the link would have delivered it.
    func completePush(_ push: PushJob, from prefill: Instance) {
        let request = push.request
        for copy in push.copies {
            emit(.kvTransferStarted(transfer: copy.transfer, request: request.id, from: copy.from, to: copy.to,
                                    blocks: copy.sourceBlocks.count, bytes: copy.bytes, mode: copy.mode), at: copy.start)
        }
        transferCount += push.copies.count
        freeHomeBlocks(of: request)
        if let store {
            for item in push.storePublish { store.publish(item.block, hash: item.hash) }
            for eviction in store.unpin(push.storePins) {
                emit(.blocksFreed(location: .store, request: eviction.owner, blocks: [eviction.block]))
            }
        }
        // Each hop takes at least as long as the link would need for its bytes.
        var time = push.copies.first?.start ?? clock.now()
        var ends: [PendingTransferEnd] = []
        for copy in push.copies {
            time = max(copy.end, time + linkSeconds(bytes: copy.bytes))
            ends.append(PendingTransferEnd(transfer: copy.transfer, from: copy.from, to: copy.to,
                                           blocks: copy.sourceBlocks.count, bytes: copy.bytes, mode: copy.mode, time: time))
        }
        let decode = instances[push.decodeInstance]
        request.blockTable = request.reservation!
        request.reservation = nil
        request.home = decode.id
        request.pendingTransferEnds = ends
        request.readyTime = time
        decode.intake.removeAll { $0 === request }
        decode.inbound.append(request)
    }

    func completeLoad(_ load: LoadJob, into instance: Instance) {
        let copy = load.copy
        emit(.kvTransferStarted(transfer: copy.transfer, request: copy.request, from: copy.from, to: copy.to,
                                blocks: copy.sourceBlocks.count, bytes: copy.bytes, mode: copy.mode), at: copy.start)
        let end = max(copy.end, copy.start + linkSeconds(bytes: copy.bytes))
        emit(.kvTransferEnded(transfer: copy.transfer, request: copy.request, from: copy.from, to: copy.to,
                              blocks: copy.sourceBlocks.count, bytes: copy.bytes, mode: copy.mode), at: end)
        transferCount += 1
        _ = store?.unpin(load.storePins)
    }

    /// Seconds an emulated link of `--kv-link-gbps` gigabits per second needs for `bytes` (0 when off).
    func linkSeconds(bytes: Int) -> Double {
        guard let gbps = config.kvLinkGbps, gbps > 0 else { return 0 }
        return Double(bytes) * 8 / (gbps * 1e9)
    }
}
