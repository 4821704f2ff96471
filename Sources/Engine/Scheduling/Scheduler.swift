/// Scheduling: what one instance does in its next step. One planner serves every role and policy:
/// - colocated-fcfs: a waiting prefill that fits runs (whole) before any decode, so it stalls them;
/// - otherwise a token budget (`--max-batched-tokens`) is filled with running decodes first, then
///   prefill chunks of `min(remaining, budget)` (Sarathi-Serve / vLLM v1). Prefill instances have no
///   decodes; decode instances prefill only local requests and recomputes.
extension EngineCore {
    /// Plans the next step of `instance` at `now` and emits `stepStarted`, or returns nil when it
    /// has nothing to compute (queue housekeeping may still have happened).
    func plan(_ instance: Instance, now: Double) -> StepPlan? {
        if instance.role == .decode {
            for request in connector.takeArrivals(on: instance.id, now: now) {
                request.state = .decoding
                instance.running.append(request)
                if let token = request.heldFirstToken {
                    request.heldFirstToken = nil
                    _ = accept(token, for: request)  // a stop string may end it here
                }
            }
            processIntake(instance, now: now)
        }
        var plan = StepPlan(instance: instance.id, step: instance.stepCount)
        if instance.role == .prefill { plan.pushes = connector.planPushes(from: instance, now: now) }
        if !plan.pushes.isEmpty {
            // A copy-only step: a finished prompt's KV leaves at once instead of waiting behind
            // the next (possibly long) prefill chunk, so its decode starts without that stall.
        } else if config.policy == .colocatedFCFS && schedulePrefillFirst(instance, into: &plan, now: now) {
            // A prefill-only step: decodes wait for it.
        } else {
            scheduleDecodes(instance, into: &plan)
            if config.policy != .colocatedFCFS || instance.role != .both {
                schedulePrefills(instance, into: &plan, now: now, budget: config.maxBatchedTokens - plan.decodes.count)
            }
        }
        guard !plan.isEmpty else { return nil }
        instance.inFlight = Set(plan.requestIDs)
        emit(.stepStarted(instance: instance.id, step: plan.step, decodes: plan.decodes.map(\.request),
                          prefills: plan.prefills.map(\.chunk)))
        return plan
    }

    /// Earliest time after `now` at which something queued on `instance` becomes ready.
    func nextReadyTime(_ instance: Instance, after now: Double) -> Double? {
        let times = instance.waiting.map(\.readyTime) + connector.readyTimes(on: instance.id, includingPushes: true)
        return times.filter { $0 > now }.min()
    }

    // MARK: Colocated FCFS

    /// Admits ready waiting requests as whole prefills while they fit; true if any was admitted.
    private func schedulePrefillFirst(_ instance: Instance, into plan: inout StepPlan, now: Double) -> Bool {
        var tokens = 0
        while let head = instance.waiting.first, head.readyTime <= now,
              instance.running.count < config.maxRunning {
            let size = head.remainingPrefill
            if !plan.prefills.isEmpty && tokens + size > config.maxBatchedTokens { break }
            guard startPrefill(head, on: instance, into: &plan, chunkLimit: size) else { break }
            tokens += size
        }
        return !plan.prefills.isEmpty
    }

    // MARK: Budgeted steps

    private func scheduleDecodes(_ instance: Instance, into plan: inout StepPlan) {
        var index = 0
        while index < instance.running.count {
            let request = instance.running[index]
            guard request.state == .decoding else { index += 1; continue }
            var preemptedItself = false
            while !grow(request, to: request.computed + 1, in: instance) {
                // Out of blocks: the newest request gives its blocks back (recompute later).
                let victim = instance.running.last!
                let reason = "\(instance.role.rawValue) pool #\(instance.id) out of KV blocks: request \(request.id) needs one more, \(instance.pool.freeCount) free; newest request \(victim.id) recomputes later"
                preempt(victim, on: instance, reason: reason)
                if victim === request { preemptedItself = true; break }
            }
            if preemptedItself { break }
            plan.decodes.append(DecodeJob(request: request.id, item: DecodeItem(
                token: request.tokens.last!, position: request.computed, blockTable: request.blockTable),
                sampler: request.sampler))
            index += 1
        }
    }

    private func schedulePrefills(_ instance: Instance, into plan: inout StepPlan, now: Double, budget: Int) {
        var budget = budget
        // Prefills already under way keep going first (they hold blocks).
        for request in instance.running where request.state == .prefilling && budget > 0 {
            let size = min(request.remainingPrefill, budget)
            guard grow(request, to: request.computed + size, in: instance) else { break }
            plan.prefills.append(makeChunk(request, size: size))
            budget -= size
        }
        while budget > 0, let head = instance.waiting.first, head.readyTime <= now,
              instance.running.count + connector.heldSlots(on: instance.id) < config.maxRunning {
            guard startPrefill(head, on: instance, into: &plan, chunkLimit: budget) else { break }
            budget -= plan.prefills.last!.chunk.tokens
        }
    }

    /// Starts the head of the waiting queue: checks its whole prompt fits the free blocks (so
    /// admitted prefills rarely preempt each other), loads a cached prefix from the store, and plans
    /// its first chunk. False (nothing changed) when it does not fit.
    private func startPrefill(_ request: Request, on instance: Instance, into plan: inout StepPlan, chunkLimit: Int) -> Bool {
        let cached = connector.cachedPrefix(request.tokens)
        guard instance.pool.canAllocate(layout.blocksNeeded(tokens: request.tokens.count)) else { return false }
        _ = instance.dequeueHead()
        instance.running.append(request)
        request.home = instance.id
        request.state = .prefilling
        request.chunkIndex = 0
        if !cached.blocks.isEmpty, store != nil {
            guard grow(request, to: cached.tokens, in: instance) else { fatalError("checked above") }
            let destination = Array(request.blockTable.prefix(cached.blocks.count))
            if let load = connector.loadPrefix(cached, for: request.id, into: instance, destination: destination) {
                plan.loads.append(load)
            }
            request.computed = cached.tokens
        }
        let size = min(request.remainingPrefill, chunkLimit)
        guard grow(request, to: request.computed + size, in: instance) else { fatalError("checked above") }
        plan.prefills.append(makeChunk(request, size: size))
        return true
    }

    private func makeChunk(_ request: Request, size: Int) -> PrefillJob {
        request.chunkIndex += 1
        let after = request.remainingPrefill - size
        let perChunk = max(config.maxBatchedTokens, 1)
        let chunk = PrefillChunk(request: request.id, startPosition: request.computed, tokens: size,
                                 chunkIndex: request.chunkIndex,
                                 chunkCount: request.chunkIndex + (after + perChunk - 1) / perChunk)
        return PrefillJob(chunk: chunk, tokens: Array(request.tokens[request.computed..<request.computed + size]),
                          blockTable: request.blockTable, sampler: after == 0 ? request.sampler : nil)
    }
}
