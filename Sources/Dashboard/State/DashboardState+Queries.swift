import Engine

/// Latency samples kept for the summary. Bounded: a long run keeps its most recent samples.
struct MetricSamples {
    static let maxSamples = 50_000
    var ttfts: [Double] = [], tpots: [Double] = [], itls: [Double] = [], e2els: [Double] = []
    var transferTimes: [Double] = []
    var completedCount = 0, attainedCount = 0

    mutating func appendITL(_ gap: Double) {
        itls.append(gap)
        if itls.count > Self.maxSamples { itls.removeFirst(Self.maxSamples / 2) }
    }

    mutating func recordFinished(_ r: RequestRecord, outputTokens: Int, config: DashboardConfig) {
        if let e2el = r.e2el { e2els.append(e2el) }
        let tpot = outputTokens > 1 ? r.tpot : nil
        if let tpot { tpots.append(tpot) }
        guard r.finishReason != .aborted, let ttft = r.ttft else { return }
        completedCount += 1
        if ttft <= config.ttftSLO && (tpot ?? 0) <= config.tpotSLO { attainedCount += 1 }
        for name in [\MetricSamples.ttfts, \.tpots, \.e2els] where self[keyPath: name].count > Self.maxSamples {
            self[keyPath: name].removeFirst(Self.maxSamples / 2)
        }
    }
}

/// One queue (stage) on screen: how many requests, the oldest one's age, and their tokens.
public struct QueueSummary: Equatable, Sendable {
    public var stage: RequestStage
    public var count: Int
    public var oldestAge: Double?
    public var tokens: Int
}

/// Mean, median and p99 of one metric in seconds (nil without samples).
public struct MetricSummary: Equatable, Sendable {
    public var name: String
    public var mean: Double?, median: Double?, p99: Double?
    public var count: Int

    init(name: String, samples: [Double]) {
        self.name = name; count = samples.count
        let sorted = samples.sorted()
        mean = sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count)
        median = Percentile.ofSorted(sorted, 50); p99 = Percentile.ofSorted(sorted, 99)
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

    /// vLLM's benchmark metrics: ttft, tpot, itl, e2el. O(n log n) in the samples kept.
    public var metricSummaries: [MetricSummary] {
        [MetricSummary(name: "ttft", samples: samples.ttfts), MetricSummary(name: "tpot", samples: samples.tpots),
         MetricSummary(name: "itl", samples: samples.itls), MetricSummary(name: "e2el", samples: samples.e2els)]
    }

    /// Share of completed requests that met both SLOs (DistServe's attainment), 0–1; nil before any.
    public var sloAttainment: Double? {
        samples.completedCount == 0 ? nil : Double(samples.attainedCount) / Double(samples.completedCount)
    }
    public var completedCount: Int { samples.completedCount }

    /// Blocks in use / total at a location.
    public func blockUsage(at location: KVLocation) -> (used: Int, total: Int) {
        let map = blockOwners[location] ?? []
        return (map.reduce(0) { $0 + ($1 == nil ? 0 : 1) }, map.count)
    }

    /// Instances in id order.
    public var orderedInstances: [InstanceStatus] { instances.keys.sorted().compactMap { instances[$0] } }
}
