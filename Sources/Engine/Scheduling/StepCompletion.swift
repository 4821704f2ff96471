/// Postprocessing of a step (under the lock): apply what the model computed, emit the events with
/// the times measured during the step, and move requests on (decode, hand off, finish).
extension EngineCore {
    func complete(_ plan: StepPlan, _ result: StepResult) {
        let instance = instances[plan.instance]
        instance.inFlight = []
        instance.stepCount += 1
        instance.busySeconds += result.duration
        for (load, timing) in zip(plan.loads, result.loads) { connector.completeLoad(load, timing) }
        for (push, timings) in zip(plan.pushes, result.pushes) {
            guard let request = requests[push.request] else { continue }
            connector.started(push.copies, timings)
            freeHomeBlocks(of: request)
            connector.completePush(push, timings, request: request, now: clock.now())
        }
        for (job, timing) in zip(plan.prefills, result.prefills) {
            emit(.prefillChunkStarted(instance: instance.id, chunk: job.chunk), at: timing.start)
            emit(.prefillChunkEnded(instance: instance.id, chunk: job.chunk), at: timing.end)
        }
        for (job, sampled) in zip(plan.decodes, result.decodes) {
            guard let request = requests[job.request], !request.state.isTerminal else { continue }
            request.computed += 1
            _ = accept(sampled, for: request)
        }
        for (job, timing) in zip(plan.prefills, result.prefills) {
            guard let request = requests[job.request], !request.state.isTerminal else { continue }
            request.computed += job.chunk.tokens
            guard let sampled = timing.sampled else { continue }
            if instance.role == .prefill && !endsAtOnce(sampled, request) {
                request.heldFirstToken = sampled
                handOff(request, from: instance)
                continue
            }
            if accept(sampled, for: request) { continue }
            request.state = .decoding
        }
        emit(.stepEnded(instance: instance.id, step: plan.step, duration: result.duration, offCPU: result.offCPU), at: result.end)
        finishPendingAborts(in: plan)
    }

    /// An abort asked for during the step takes effect now that the step's results are applied.
    private func finishPendingAborts(in plan: StepPlan) {
        guard !pendingAborts.isEmpty else { return }
        for id in plan.requestIDs where pendingAborts.contains(id) {
            pendingAborts.remove(id)
            if let request = requests[id], !request.state.isTerminal { finish(request, reason: .aborted) }
        }
    }

    /// A prefill instance finished a prompt: its KV waits in the prefill pool until a decode
    /// instance has reserved blocks for it (the connector sends it with the next step).
    private func handOff(_ request: Request, from prefill: Instance) {
        prefill.running.removeAll { $0 === request }
        request.state = .transferring
        // d-first and simultaneous routes: the decode side already expects it.
        if !connector.prefillDone(request, now: clock.now()) { sendToDecode(request) }
    }
}
