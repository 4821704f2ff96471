/// The aggregated metrics of one run, computed from a `MetricsCollector` with vLLM's definitions.
/// Latencies are in seconds; latency statistics cover completed requests only (as vLLM's do).
public struct MetricsReport: Sendable, Equatable {
    /// Finished with `stop` or `length` (vLLM's "successful requests").
    public var completed: Int
    public var rejected: Int
    /// Finished with reason `aborted`.
    public var aborted: Int
    /// Arrived but neither finished nor rejected when the report was made.
    public var unfinished: Int
    public var durationSeconds: Double
    public var totalInputTokens: Int
    public var totalOutputTokens: Int
    /// Completed requests per second.
    public var requestThroughput: Double
    /// Output tokens of completed requests per second.
    public var outputThroughput: Double
    public var ttft: MetricsDistribution
    public var tpot: MetricsDistribution
    public var itl: MetricsDistribution
    public var e2el: MetricsDistribution
    public var queueTime: MetricsDistribution
    public var prefillTime: MetricsDistribution
    public var kvTransferTime: MetricsDistribution
    public var numPreemptions: Int
    public var goodput: Goodput?
    public var kvTransfers: KVTransferStats
    public var prefixCache: PrefixCacheStats
    /// One entry per instance that ran a step, by id.
    public var instances: [InstanceStats]
    /// One entry per location that held blocks or has a known capacity: instances by id, then store.
    public var kvCache: [KVCacheStats]
    /// Every request that arrived, by id.
    public var requests: [RequestMetrics]

    /// Goodput under the objectives of `--goodput`.
    public struct Goodput: Sendable, Equatable {
        public var slo: GoodputSLO
        /// Requests meeting every objective.
        public var goodCount: Int
        /// Good requests per second.
        public var requestGoodput: Double
        /// Share of all arrived requests (rejected and unfinished count as misses) meeting every
        /// objective: DistServe's SLO attainment. NaN when no request arrived.
        public var sloAttainment: Double
    }

    /// KV transfers (each copy counts once: pool mode makes two per request).
    public struct KVTransferStats: Sendable, Equatable {
        public var count: Int
        public var blocks: Int
        public var bytes: Int
        public var totalSeconds: Double
        /// Mean over transfers of bytes / (end − start), in GB/s (10⁹ bytes); transfers that took
        /// no measurable time are left out. NaN when there are none.
        public var meanGBps: Double
    }

    public struct PrefixCacheStats: Sendable, Equatable {
        public var hits: Int
        public var blocks: Int
        public var tokens: Int
    }

    public struct InstanceStats: Sendable, Equatable {
        public var id: InstanceID
        public var steps: Int
        /// Sum of the measured step durations.
        public var busySeconds: Double
        /// busySeconds / run duration.
        public var busyFraction: Double
    }

    public struct KVCacheStats: Sendable, Equatable {
        public var location: KVLocation
        public var capacityBlocks: Int?
        public var usedBlocks: Int
        public var peakBlocks: Int
        /// usedBlocks / capacity (vLLM's kv_cache_usage), nil without a capacity.
        public var usage: Double?
        public var peakUsage: Double?
    }
}

extension MetricsCollector {
    /// Computes the run's metrics.
    /// - Parameters:
    ///   - slo: goodput objectives (nil: no goodput).
    ///   - poolBlocks: capacity in blocks of each KV location, for `kv_cache_usage`.
    ///   - duration: run duration in seconds; default from the first arrival to the last event.
    ///   - arrivedAfter: only requests that arrived at or after this time (a live window); the
    ///     default duration then starts there.
    /// - Complexity: O(tokens + requests log requests).
    public func report(slo: GoodputSLO? = nil, poolBlocks: [KVLocation: Int] = [:], duration: Double? = nil,
                       arrivedAfter: Double? = nil) -> MetricsReport {
        let state = snapshot()
        let requests = state.requests.values.filter { $0.arrival >= (arrivedAfter ?? -.infinity) }.sorted { $0.id < $1.id }
        let done = requests.filter(\.isCompleted)
        let start = max(state.firstArrival ?? 0, arrivedAfter ?? -.infinity)
        let span = duration ?? max((state.lastEventTime ?? 0) - start, 0)
        func perSecond(_ value: Double) -> Double { span > 0 ? value / span : .nan }
        let outputTokens = done.reduce(0) { $0 + $1.outputTokens }

        var goodput: MetricsReport.Goodput?
        if let slo {
            let good = done.filter { slo.isMet(by: $0) }.count
            goodput = .init(slo: slo, goodCount: good, requestGoodput: perSecond(Double(good)),
                            sloAttainment: requests.isEmpty ? .nan : Double(good) / Double(requests.count))
        }

        let rates = state.transfers.filter { $0.end > $0.start }
            .map { Double($0.bytes) / ($0.end - $0.start) / 1e9 }
        let transfers = MetricsReport.KVTransferStats(
            count: state.transfers.count,
            blocks: state.transfers.reduce(0) { $0 + $1.blocks },
            bytes: state.transfers.reduce(0) { $0 + $1.bytes },
            totalSeconds: state.transfers.reduce(0) { $0 + ($1.end - $1.start) },
            meanGBps: rates.isEmpty ? .nan : rates.reduce(0, +) / Double(rates.count))

        let instances = state.instances.keys.sorted().map { id -> MetricsReport.InstanceStats in
            let activity = state.instances[id]!
            return .init(id: id, steps: activity.steps, busySeconds: activity.busySeconds,
                         busyFraction: perSecond(activity.busySeconds))
        }

        return MetricsReport(
            completed: done.count,
            rejected: requests.filter { $0.state == .rejected }.count,
            aborted: requests.filter { $0.finishReason == .aborted }.count,
            unfinished: requests.filter { $0.state != .finished && $0.state != .rejected }.count,
            durationSeconds: span,
            totalInputTokens: done.reduce(0) { $0 + $1.promptTokens },
            totalOutputTokens: outputTokens,
            requestThroughput: perSecond(Double(done.count)),
            outputThroughput: perSecond(Double(outputTokens)),
            ttft: MetricsDistribution(done.compactMap(\.ttft)),
            tpot: MetricsDistribution(done.compactMap(\.tpot)),
            itl: MetricsDistribution(done.lazy.flatMap(\.itls)),
            e2el: MetricsDistribution(done.compactMap(\.e2el)),
            queueTime: MetricsDistribution(done.compactMap(\.queueTime)),
            prefillTime: MetricsDistribution(done.compactMap(\.prefillTime)),
            kvTransferTime: MetricsDistribution(done.compactMap(\.kvTransferTime)),
            numPreemptions: state.preemptions,
            goodput: goodput,
            kvTransfers: transfers,
            prefixCache: .init(hits: state.prefixHits, blocks: state.prefixHitBlocks, tokens: state.prefixHitTokens),
            instances: instances,
            kvCache: Self.kvCacheStats(state: state, poolBlocks: poolBlocks),
            requests: requests)
    }

    private static func kvCacheStats(state: State, poolBlocks: [KVLocation: Int]) -> [MetricsReport.KVCacheStats] {
        let locations = Set(state.peakBlocks.keys).union(poolBlocks.keys).sorted { a, b in
            switch (a, b) {
            case let (.instance(x), .instance(y)): return x < y
            case (.instance, .store): return true
            default: return false
            }
        }
        return locations.map { location in
            let capacity = poolBlocks[location].flatMap { $0 > 0 ? $0 : nil }
            let used = state.blocksInUse[location] ?? 0
            let peak = state.peakBlocks[location] ?? 0
            return .init(location: location, capacityBlocks: capacity, usedBlocks: used, peakBlocks: peak,
                         usage: capacity.map { Double(used) / Double($0) },
                         peakUsage: capacity.map { Double(peak) / Double($0) })
        }
    }
}
