/// A Prometheus histogram as scraped: cumulative counts per upper bound (the last is +Inf).
public struct CumulativeHistogram: Equatable, Sendable {
    public var buckets: [(upperBound: Double, count: Double)]
    public var sum: Double
    public var count: Double

    public init(buckets: [(upperBound: Double, count: Double)], sum: Double, count: Double) {
        self.buckets = buckets; self.sum = sum; self.count = count
    }

    public static func == (a: CumulativeHistogram, b: CumulativeHistogram) -> Bool {
        a.sum == b.sum && a.count == b.count && a.buckets.count == b.buckets.count
            && zip(a.buckets, b.buckets).allSatisfy { $0.upperBound == $1.upperBound && $0.count == $1.count }
    }

    /// What was observed between `earlier` and this scrape. A counter that went down (the server
    /// restarted) or changed buckets yields this scrape whole, as Prometheus's `increase` does.
    public func delta(since earlier: CumulativeHistogram) -> CumulativeHistogram {
        guard earlier.buckets.count == buckets.count, earlier.count <= count,
              zip(earlier.buckets, buckets).allSatisfy({ $0.upperBound == $1.upperBound && $0.count <= $1.count })
        else { return self }
        return CumulativeHistogram(buckets: zip(earlier.buckets, buckets).map { ($1.upperBound, $1.count - $0.count) },
                                   sum: sum - earlier.sum, count: count - earlier.count)
    }

    public var mean: Double? { count > 0 ? sum / count : nil }

    /// The `q` quantile (0…1), interpolated linearly inside its bucket as Prometheus's
    /// `histogram_quantile` does: an estimate whose error is the bucket's width. A quantile in the
    /// +Inf bucket answers the highest finite bound. nil without observations.
    public func quantile(_ q: Double) -> Double? {
        guard let total = buckets.last?.count, total > 0 else { return nil }
        let rank = min(max(q, 0), 1) * total
        var lowerBound = 0.0, lowerCount = 0.0
        for b in buckets {
            if b.count >= rank, b.count > lowerCount {
                if b.upperBound.isInfinite { return lowerBound }
                let fraction = (rank - lowerCount) / (b.count - lowerCount)
                return lowerBound + (b.upperBound - lowerBound) * fraction
            }
            if !b.upperBound.isInfinite { lowerBound = b.upperBound }
            lowerCount = b.count
        }
        return lowerBound
    }
}
