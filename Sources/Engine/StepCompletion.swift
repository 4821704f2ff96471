/// Postprocessing of a step (under the lock): apply what the model computed, emit the events with
/// the times measured during the step, and move requests on (decode, hand off, finish).
extension EngineCore {
    func complete(_ plan: StepPlan) {
        let instance = plan.instance
        instance.inFlight = []
        instance.stepCount += 1
        instance.busySeconds += plan.end - plan.start
        for load in plan.loads { completeLoad(load, into: instance) }
        for push in plan.pushes { completePush(push, from: instance) }
        for job in plan.prefills {
            emit(.prefillChunkStarted(instance: instance.id, chunk: job.chunk), at: job.start)
            emit(.prefillChunkEnded(instance: instance.id, chunk: job.chunk), at: job.end)
        }
        for job in plan.decodes where !job.request.state.isTerminal {
            job.request.computed += 1
            _ = accept(job.sampled!, for: job.request, on: instance)
        }
        for job in plan.prefills where !job.request.state.isTerminal {
            let request = job.request
            request.computed += job.chunk.tokens
            guard job.completesPrefill else { continue }
            if accept(job.sampled!, for: request, on: instance) { continue }
            if instance.role == .prefill {
                handOff(request, from: instance)
            } else {
                request.state = .decoding
            }
        }
        emit(.stepEnded(instance: instance.id, step: plan.step, duration: plan.end - plan.start), at: plan.end)
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

    /// A prefill instance finished a prompt: the KV waits in its pool until a decode instance has
    /// reserved blocks for it, then goes out with the next step.
    private func handOff(_ request: Request, from prefill: Instance) {
        prefill.running.removeAll { $0 === request }
        request.isPrefillDone = true
        request.state = .transferring
        if request.reservation != nil {
            request.readyTime = clock.now()
            prefill.pushes.append(request)
        } else {
            prefill.handoff.append(request)
            let decode = request.decodeInstance.map { instances[$0] }
            if let decode, decode.intake.contains(where: { $0 === request }) {
                // Simultaneous route: the decode side already has it queued for a reservation.
                return
            }
            sendToDecode(request)
            // Reserve on the decode side now (we hold the engine lock) rather than at the decode
            // thread's next step, so the copy can go out with the prefill instance's next step.
            if let decode = request.decodeInstance.map({ instances[$0] }) { processIntake(decode, now: clock.now()) }
        }
    }
}
