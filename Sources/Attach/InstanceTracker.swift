import Dashboard

/// The readings of one server over a sliding window: counter rates and histogram-delta
/// percentiles come from the oldest and newest reading inside it.
public struct InstanceTracker {
    public let window: Double
    public private(set) var history: [(time: Double, reading: InstanceReading)] = []

    public init(window: Double = 30) { self.window = window }

    public mutating func add(_ reading: InstanceReading, at time: Double) {
        if let last = history.last, last.reading.engine != reading.engine { history.removeAll() }
        history.append((time, reading))
        // Keep one reading at or before the window's start so the window is covered in full.
        while history.count > 2, history[1].time <= time - window { history.removeFirst() }
    }

    public mutating func reset() { history.removeAll() }

    /// `base` (URL, role, identity) with the numbers of the newest reading and the window filled in.
    public func observed(_ base: ObservedInstance) -> ObservedInstance {
        var o = base
        guard let newest = history.last, let oldest = history.first else { return o }
        let (t1, r) = newest, (t0, old) = oldest
        let span = t1 - t0
        o.window = span
        o.lastSeen = t1
        o.model = o.model ?? r.modelName
        o.running = r.running.map(Self.int)
        o.waiting = r.waiting.map(Self.int)
        o.waitingReasons = r.waitingByReason.map { .init($0.name, Self.int($0.count)) }
        o.queues = r.queues.map { .init($0.name, Self.int($0.count)) }
        o.kvUsage = r.kvUsage
        o.kvBlocksTotal = r.kvBlocksTotal
        if let total = r.kvBlocksTotal, let usage = r.kvUsage { o.kvBlocksUsed = Int((usage * Double(total)).rounded()) }
        if let used = r.kvTokensUsed, let total = r.kvTokensTotal {
            o.kvBlocksUsed = Self.int(used); o.kvBlocksTotal = Self.int(total); o.kvUnit = "tokens"
        }
        o.preemptions = r.preemptions.map(Self.int)
        o.transferFailures = r.transferFailures.map(Self.int)
        o.estimates = []
        guard span > 0 else {
            o.prefixHitRate = r.reportedPrefixHitRate
            return o
        }
        o.promptTokensPerSecond = Self.increase(old.promptTokens, r.promptTokens).map { $0 / span }
        o.generationTokensPerSecond = Self.increase(old.generationTokens, r.generationTokens).map { $0 / span }
        if let queries = Self.increase(old.prefixQueries, r.prefixQueries), let hits = Self.increase(old.prefixHits, r.prefixHits) {
            o.prefixHitRate = queries > 0 ? min(1, hits / queries) : nil
        } else {
            o.prefixHitRate = r.reportedPrefixHitRate
        }
        for (key, label) in [("ttft", "TTFT"), ("itl", "ITL"), ("e2e", "E2E"), ("queue", "queue"), ("kv_transfer", "KV xfer")] {
            guard let now = r.histograms[key] else { continue }
            let delta = old.histograms[key].map { now.delta(since: $0) } ?? now
            guard delta.count > 0, let p50 = delta.quantile(0.5), let p90 = delta.quantile(0.9), let p99 = delta.quantile(0.99) else { continue }
            o.estimates.append(.init(name: label, p50: p50, p90: p90, p99: p99, count: Self.int(delta.count)))
            if key == "kv_transfer" { o.transfers = Self.int(delta.count) }
        }
        if let now = r.histograms["kv_transfer_bytes"] {
            let delta = old.histograms["kv_transfer_bytes"].map { now.delta(since: $0) } ?? now
            o.transferBytesPerSecond = delta.sum / span
        }
        return o
    }

    /// A counter's increase; a counter that went down restarted, so its whole value is the increase.
    static func increase(_ old: Double?, _ new: Double?) -> Double? {
        guard let new else { return nil }
        guard let old else { return nil }
        return new >= old ? new - old : new
    }

    static func int(_ v: Double) -> Int { v.isFinite ? Int(v.rounded()) : 0 }
}

extension InstanceTracker {
    /// This tracker with one more reading.
    public func adding(_ reading: InstanceReading, at time: Double) -> InstanceTracker {
        var copy = self
        copy.add(reading, at: time)
        return copy
    }
}
