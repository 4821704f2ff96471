import Engine

/// The last report of the reducer and when it was made: the footer asks for it every frame, but
/// a report walks every request, so it is remade only when events arrived and `refreshInterval`
/// of engine time has passed.
final class ReportCache {
    static let refreshInterval = 0.25
    /// A paused frame's report: returned whatever arrives later (see `DashboardState.frozen()`).
    var pinned: MetricsReport?
    var eventCount = 0
    var report: MetricsReport?
    var madeAtEventCount = -1
    var madeAt = -Double.infinity
}

/// One queue (stage) on screen: how many requests, the oldest one's age, and their tokens.
public struct QueueSummary: Equatable, Sendable {
    public var stage: RequestStage
    public var count: Int
    public var oldestAge: Double?
    public var tokens: Int
}

/// Mean, median, p99, p99.9 and max of one metric in seconds (nil without samples), from the
/// reducer's HDR distribution.
public struct MetricSummary: Equatable, Sendable {
    public var name: String
    public var mean: Double?, median: Double?, p99: Double?, p999: Double?, max: Double?
    public var count: Int

    init(name: String, _ d: MetricsDistribution) {
        self.name = name; count = d.count
        mean = d.mean; median = d.median; p99 = d.p99; p999 = d.percentile(99.9); max = d.max
    }
}

extension DashboardState {
    /// Every queue stage in pipeline order, including empty ones (a zero is information too).
    public var queues: [QueueSummary] {
        var result = RequestStage.queueStages.map { QueueSummary(stage: $0, count: 0, oldestAge: nil, tokens: 0) }
        for r in requests.values where !r.stage.isOver {
            let i = r.stage.rawValue
            result[i].count += 1
            result[i].tokens += r.stageTokens
            result[i].oldestAge = max(result[i].oldestAge ?? 0, now - r.stageSince)
        }
        return result
    }

    public var runningCount: Int { requests.values.reduce(0) { $0 + ($1.stage.isRunning ? 1 : 0) } }
    public var waitingCount: Int {
        requests.values.reduce(0) { $0 + ([.waiting, .decodeWaiting, .preempted].contains($1.stage) ? 1 : 0) }
    }

    /// The latest request of each user, in order of the users' first appearance.
    public var userRows: [RequestRecord] { users.compactMap { latestRequest[$0].flatMap { requests[$0] } } }

    /// The reducer's report over the configured window, remade at most every
    /// `ReportCache.refreshInterval` of engine time (see `freshMetricsReport` for an exact one).
    public var metricsReport: MetricsReport {
        let cache = reportCache
        if let report = cache.pinned { return report }
        if let report = cache.report,
           cache.madeAtEventCount == cache.eventCount || now - cache.madeAt < ReportCache.refreshInterval {
            return report
        }
        return freshMetricsReport()
    }

    /// A copy for the paused display. The reducer and the report cache are shared references, so
    /// a plain copy would go on showing live percentiles under a frozen picture: pin the report.
    public func frozen() -> DashboardState {
        var copy = self
        copy.reportCache = ReportCache()
        copy.reportCache.pinned = freshMetricsReport()
        return copy
    }

    /// The reducer's report over the configured window, made now.
    public func freshMetricsReport() -> MetricsReport {
        let report = metrics.report(slo: config.slo, window: config.metricsWindow)
        reportCache.report = report
        reportCache.madeAtEventCount = reportCache.eventCount
        reportCache.madeAt = now
        return report
    }

    /// vLLM's benchmark metrics: ttft, tpot, itl, e2el.
    public var metricSummaries: [MetricSummary] { Self.summaries(of: metricsReport) }

    static func summaries(of r: MetricsReport) -> [MetricSummary] {
        [MetricSummary(name: "ttft", r.ttft), MetricSummary(name: "tpot", r.tpot),
         MetricSummary(name: "itl", r.itl), MetricSummary(name: "e2el", r.e2el)]
    }

    /// DistServe's SLO attainment under `--goodput`: good requests over all that arrived (rejected
    /// and unfinished ones count as misses, as in the summary), 0–1; nil without objectives or requests.
    public var sloAttainment: Double? {
        metricsReport.goodput.flatMap { $0.sloAttainment.isFinite ? $0.sloAttainment : nil }
    }
    /// Requests that finished normally (in the window).
    public var completedCount: Int { metricsReport.completed }

    /// Blocks in use / total at a location.
    public func blockUsage(at location: KVLocation) -> (used: Int, total: Int) {
        let map = blockOwners[location] ?? []
        return (map.reduce(0) { $0 + ($1 == nil ? 0 : 1) }, map.count)
    }

    /// Instances in id order.
    public var orderedInstances: [LiveInstance] { instances.keys.sorted().compactMap { instances[$0] } }
}
