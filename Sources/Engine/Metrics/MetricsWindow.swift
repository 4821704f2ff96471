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
        guard let (request, activity) = requestAndActivity(id), tokenIndex >= 1, tokenIndex < request.tokenTimes.count else { return nil }
        let owner = activity[request.tokenInstances[tokenIndex]]
        return Self.stall(request, tokenIndex: tokenIndex, timeline: owner.map { ChunkTimeline($0.chunks) },
                          offCPUSteps: owner?.offCPUSteps ?? [])
    }
}
