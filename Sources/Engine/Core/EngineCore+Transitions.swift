import Model

/// Transitions shared by routing, scheduling and step completion.
extension EngineCore {
    func enqueueWaiting(_ request: Request, on instance: Instance, front atFront: Bool = false) {
        request.readyTime = clock.now()
        instance.enqueue(request, atFront: atFront)
        emit(.queued(request: request.id, instance: instance.id))
    }

    /// Allocates blocks so `request` can hold `tokens` tokens of KV in `instance`'s pool.
    func grow(_ request: Request, to tokens: Int, in instance: Instance) -> Bool {
        let need = layout.blocksNeeded(tokens: tokens) - request.blockTable.count
        guard need > 0 else { return true }
        guard let blocks = instance.allocate(need, for: request.id, events: events) else { return false }
        request.blockTable += blocks
        return true
    }

    /// Frees the blocks where the request computes now (a decode reservation is the connector's).
    func freeHomeBlocks(of request: Request) {
        if let home = request.home, !request.blockTable.isEmpty {
            instances[home].free(request.blockTable, of: request.id, events: events)
        }
        request.blockTable = []
        request.home = nil
    }

    /// Ends a request: its pending transfer ends are reported, it leaves the one queue it is in,
    /// and every block it holds goes back.
    func finish(_ request: Request, reason: FinishReason) {
        guard !request.state.isTerminal else { return }
        // A copy that ran before the end still gets its end event (an abort can come first).
        let reservation = connector.cancel(request, now: clock.now())
        if let queue = request.queuedOn { instances[queue].removeWaiting(request) }
        if let home = request.home { instances[home].running.removeAll { $0 === request } }
        freeHomeBlocks(of: request)
        if let reservation { instances[reservation.decode].free(reservation.blocks, of: request.id, events: events) }
        request.state = .finished(reason)
        endedCount += 1
        emit(.finished(request: request.id, reason: reason, outputTokens: request.outputCount))
    }

    /// Preemption by recompute: give every block back and start over from the first token later.
    func preempt(_ request: Request, on instance: Instance, reason: String) {
        instance.running.removeAll { $0 === request }
        freeHomeBlocks(of: request)
        request.computed = 0
        request.chunkIndex = 0
        request.state = .preempted
        preemptionCount += 1
        emit(.preempted(request: request.id, instance: instance.id, reason: reason))
        enqueueWaiting(request, on: instance, front: true)
    }

    /// Appends a sampled token, emits it with its text, and finishes the request when it is done.
    /// Returns true when the request finished.
    func accept(_ token: Int32, for request: Request) -> Bool {
        let previous = request.tokens.last
        request.tokens.append(token)
        let text = request.text.append(frontEnd.piece(token, after: previous))
        emit(.tokenEmitted(request: request.id, index: request.outputCount - 1, token: token, text: text))
        if frontEnd.isEndOfGeneration(token) && !request.spec.ignoreEOS { finish(request, reason: .stop); return true }
        if !request.spec.stop.isEmpty && containsStop(adding: text, to: request) { finish(request, reason: .stop); return true }
        if request.outputCount >= request.spec.maxTokens || request.tokens.count >= contextLength {
            finish(request, reason: .length)
            return true
        }
        return false
    }

    /// True when `token` as the request's next token ends it by end of generation or length (a
    /// prompt whose first token does so is answered by its prefill instance, with no transfer).
    /// Stop strings need the token's text, so they are found when the token is delivered.
    func endsAtOnce(_ token: Int32, _ request: Request) -> Bool {
        (frontEnd.isEndOfGeneration(token) && !request.spec.ignoreEOS)
            || request.outputCount + 1 >= request.spec.maxTokens || request.tokens.count + 1 >= contextLength
    }

    /// Appends `text` to the request's output and says whether a stop string now appears in it.
    /// Only the tail that the new text can complete is searched, so long outputs stay cheap.
    private func containsStop(adding text: String, to request: Request) -> Bool {
        guard !text.isEmpty else { return false }
        let longest = request.spec.stop.map(\.count).max() ?? 0
        request.outputText += text
        let tail = request.outputText.suffix(text.count + longest - 1)
        return request.spec.stop.contains { !$0.isEmpty && tail.contains($0) }
    }

    /// Ends every request still in the engine (shutdown) so none is left without an end.
    /// Empties every queue in one go first, so each `finish` finds its queue empty (removing
    /// tens of thousands of queued requests one by one was quadratic: minutes at exit).
    func abortAll() {
        let open = requests.values.filter { !$0.state.isTerminal }.sorted { $0.id < $1.id }
        for instance in instances { instance.removeAllRequests() }
        connector.clearQueues()
        for request in open { finish(request, reason: .aborted) }
    }
}
