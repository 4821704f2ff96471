/// The router: where an arriving request goes, and why. Every decision is a `routed` event whose
/// reason names the numbers it was based on (queue lengths, prompt length, threshold).
extension EngineCore {
    func route(_ request: Request) {
        guard isDisaggregated else {
            let (instance, reason) = pickColocated()
            emit(.routed(request: request.id, instance: instance.id, role: .both, reason: reason))
            enqueueWaiting(request, on: instance)
            return
        }
        switch config.route {
        case .pFirst:
            sendToPrefill(request, why: "p-first")
        case .dFirst:
            let (decode, reason) = pickDecode()
            emit(.routed(request: request.id, instance: decode.id, role: .decode,
                         reason: "d-first: \(reason); prompt \(request.promptCount) tokens"))
            enterIntake(request, decode: decode)
        case .simultaneous:
            sendToPrefill(request, why: "simultaneous")
            let (decode, reason) = pickDecode()
            emit(.routed(request: request.id, instance: decode.id, role: .decode,
                         reason: "simultaneous: \(reason); pre-allocating while prefill runs"))
            enterIntake(request, decode: decode)
        }
    }

    func sendToPrefill(_ request: Request, why: String) {
        let (prefill, reason) = pickPrefill()
        request.prefillInstance = prefill.id
        emit(.routed(request: request.id, instance: prefill.id, role: .prefill, reason: "\(why): \(reason)"))
        enqueueWaiting(request, on: prefill)
    }

    /// After its prefill (p-first), a request asks a decode instance for a reservation.
    func sendToDecode(_ request: Request) {
        let (decode, reason) = pickDecode()
        emit(.routed(request: request.id, instance: decode.id, role: .decode, reason: "prefill done: \(reason)"))
        enterIntake(request, decode: decode)
    }

    func enterIntake(_ request: Request, decode: Instance) {
        request.decodeInstance = decode.id
        request.readyTime = clock.now()
        decode.intake.append(request)
        emit(.queued(request: request.id, instance: decode.id))
    }

    /// Tokens of the prompt not found in the KV store (all of them without a store).
    func uncachedTokens(_ request: Request) -> Int {
        request.tokens.count - cachedPrefix(request).tokens
    }

    /// The store's blocks for this request's leading full blocks. At least one token is always left
    /// to compute, because the last prompt token's logits are needed to sample.
    func cachedPrefix(_ request: Request) -> (blocks: [Int32], hashes: [UInt64], tokens: Int) {
        guard let store else { return ([], [], 0) }
        let full = (request.tokens.count - 1) / layout.blockSize
        let hashes = PrefixHash.chain(request.tokens, blockSize: layout.blockSize, fullBlocks: full)
        let blocks = store.lookup(hashes)
        return (blocks, Array(hashes.prefix(blocks.count)), blocks.count * layout.blockSize)
    }

    // MARK: Choosing instances

    private func pickColocated() -> (Instance, String) {
        let load: (Instance) -> Int = { $0.queuedPrefillTokens + $0.running.count }
        let best = instances.min { (load($0), $0.id) < (load($1), $1.id) }!
        guard instances.count > 1 else { return (best, "single colocated instance") }
        let loads = instances.map { "#\($0.id) \($0.waiting.count) queued/\($0.queuedPrefillTokens) prefill tokens/\($0.running.count) running" }
        return (best, "least loaded of \(loads.joined(separator: ", "))")
    }

    private func pickPrefill() -> (Instance, String) {
        let candidates = prefillInstances
        let best = candidates.min { ($0.queuedPrefillTokens, $0.id) < ($1.queuedPrefillTokens, $1.id) }!
        let loads = candidates.map { "#\($0.id) \($0.waiting.count) queued/\($0.queuedPrefillTokens) tokens" }
        return (best, "prefill #\(best.id) has the fewest queued prefill tokens (\(loads.joined(separator: ", ")))")
    }

    private func pickDecode() -> (Instance, String) {
        let load: (Instance) -> Int = { $0.occupancy + $0.intake.count + $0.waiting.count }
        let candidates = decodeInstances
        let best = candidates.min { (load($0), $0.id) < (load($1), $1.id) }!
        let loads = candidates.map { "#\($0.id) \($0.running.count) running/\($0.intake.count) incoming" }
        return (best, "decode #\(best.id) least busy (\(loads.joined(separator: ", ")); max running \(config.maxRunning))")
    }
}
