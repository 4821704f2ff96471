/// Applying the router's decisions, and the decode side's intake: reserving blocks for incoming KV
/// through the connector (with d-first, also choosing between a local and a remote prefill).
extension EngineCore {
    /// What the router sees: every instance's numbers, no queues.
    func loads() -> [InstanceLoad] {
        instances.map { instance in
            InstanceLoad(id: instance.id, role: instance.role, waiting: instance.waiting.count,
                         queuedPrefillTokens: instance.queuedPrefillTokens, running: instance.running.count,
                         incoming: connector.incomingCount(on: instance.id),
                         occupancy: instance.running.count + connector.heldSlots(on: instance.id))
        }
    }

    func route(_ request: Request) {
        let decisions = router.route(RouteRequest(hop: .arrival, promptTokens: request.promptCount), loads: loads())
        let sentToPrefill = decisions.contains { $0.role == .prefill }
        for decision in decisions { apply(decision, to: request, remotePrefill: sentToPrefill, prefillDone: false) }
    }

    /// After its prefill (p-first), a request asks a decode instance for a reservation, made at
    /// once (under the same lock) so the copy can go out with the prefill instance's next step.
    func sendToDecode(_ request: Request) {
        let hop = RouteRequest(hop: .prefillDone, promptTokens: request.promptCount)
        for decision in router.route(hop, loads: loads()) {
            apply(decision, to: request, remotePrefill: true, prefillDone: true)
            processIntake(instances[decision.instance], now: clock.now())
        }
    }

    private func apply(_ decision: RouteDecision, to request: Request, remotePrefill: Bool, prefillDone: Bool) {
        emit(.routed(request: request.id, instance: decision.instance, role: decision.role, reason: decision.reason))
        if decision.role == .decode {
            connector.expect(request, on: decision.instance, remotePrefill: remotePrefill, prefillDone: prefillDone,
                             now: clock.now())
        } else {
            enqueueWaiting(request, on: instances[decision.instance])
        }
    }

    /// Decode side: reserve blocks for incoming KV, first come first served, within `--max-running`.
    func processIntake(_ instance: Instance, now: Double) {
        for request in connector.awaitingReservation(on: instance.id, readyBy: now) {
            guard let handoff = connector.handoff(of: request.id) else { continue }
            if config.route == .dFirst && !handoff.remotePrefill && !handoff.prefillDone,
               let limit = config.localPrefillMax {
                let uncached = uncachedTokens(request)
                if uncached <= limit {
                    connector.withdraw(request)
                    emit(.routed(request: request.id, instance: instance.id, role: .decode,
                                 reason: "local prefill: \(uncached) uncached tokens ≤ --local-prefill-max \(limit)"))
                    enqueueWaiting(request, on: instance)
                    continue
                }
            }
            guard instance.running.count + connector.heldSlots(on: instance.id) < config.maxRunning,
                  connector.reserve(request, now: now) else { return }
            guard !handoff.prefillDone else { continue }
            if request.state != .prefilling {
                request.state = .waitingForRemoteKV
                emit(.waitingForRemoteKV(request: request.id, instance: instance.id))
            }
            if !handoff.remotePrefill {
                let why = config.localPrefillMax.map { "d-first remote prefill: \(uncachedTokens(request)) uncached tokens > --local-prefill-max \($0)" } ?? "d-first"
                connector.markRemotePrefill(request.id)
                let hop = RouteRequest(hop: .remotePrefill(why: why), promptTokens: request.promptCount)
                for decision in router.route(hop, loads: loads()) {
                    apply(decision, to: request, remotePrefill: true, prefillDone: false)
                }
            }
        }
    }

    /// Tokens of the prompt not found in the KV store (all of them without a store).
    func uncachedTokens(_ request: Request) -> Int {
        request.tokens.count - connector.cachedPrefix(request.tokens).tokens
    }
}
