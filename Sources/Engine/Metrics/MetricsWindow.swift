/// The live views of the one reducer (`MetricsCollector`) that the dashboard shows: a report over
/// a recent window of requests, and the causes of one gap. The headless summary is the same
/// report without a window, so the two can only differ by the window.
extension MetricsCollector {
    /// The report over the requests that arrived in the last `window` seconds before the newest
    /// event (all of them when `window` is nil); its duration runs from the window's start.
    public func report(slo: GoodputSLO?, window: Double?) -> MetricsReport {
        guard let window else { return report(slo: slo) }
        return report(slo: slo, arrivedAfter: (lastEventTime ?? 0) - window)
    }

    /// The stall that ends at token `tokenIndex` of `request`, with the prefill chunks that ran on
    /// its instance meanwhile (its own recompute included), or nil when there is no such gap.
    public func stall(request id: RequestID, tokenIndex: Int) -> Stall? {
        guard let (request, chunks, offCPU) = requestAndChunks(id), tokenIndex >= 1, tokenIndex < request.tokenTimes.count else { return nil }
        let owner = request.tokenInstances[tokenIndex]
        let start = request.tokenTimes[tokenIndex - 1], end = request.tokenTimes[tokenIndex]
        let causes = owner >= 0 ? ChunkTimeline(chunks[owner] ?? []).causes(from: start, to: end) : []
        let off = owner >= 0 ? Self.offCPU(offCPU[owner] ?? [], from: start, to: end) : 0
        return Stall(request: id, instance: owner >= 0 ? owner : nil, tokenIndex: tokenIndex, start: start, end: end,
                     causes: causes, offCPU: off)
    }
}
