import Histogram

/// Summary statistics of one latency metric over many samples, in seconds.
///
/// Mean and standard deviation are exact (a plain sum); median, p90 and p99 come from a real HDR
/// histogram recorded in microseconds with three significant digits, so a percentile is within
/// 0.1 % (or 1 µs) of the true sample value. Every statistic is `nil` when there are no samples
/// (vLLM prints 0 there; `nil` lets JSON say `null` instead of a misleading zero).
public struct MetricsDistribution: Sendable, Equatable {
    /// The histogram's unit: one microsecond.
    public static let resolution = 1e-6

    public private(set) var count: Int
    public private(set) var mean: Double?
    public private(set) var std: Double?
    public private(set) var min: Double?
    public private(set) var max: Double?
    private var histogram: Histogram<UInt64>

    /// Non-finite samples (an undefined metric) are skipped; negative ones are clamped to zero
    /// because a histogram cannot hold them and a negative duration can only be clock noise.
    public init<S: Sequence>(_ samples: S) where S.Element == Double {
        histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        count = 0
        var sum = 0.0, sumOfSquares = 0.0
        var low = Double.infinity, high = -Double.infinity
        for raw in samples where raw.isFinite {
            let value = Swift.max(raw, 0)
            histogram.record(UInt64((value / Self.resolution).rounded()))
            count += 1
            sum += value
            sumOfSquares += value * value
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        guard count > 0 else { return }
        let average = sum / Double(count)
        mean = average
        std = (Swift.max(sumOfSquares / Double(count) - average * average, 0)).squareRoot()
        min = low
        max = high
    }

    public static let empty = MetricsDistribution([])

    /// The value at `percentile` (0...100), or nil without samples.
    public func percentile(_ percentile: Double) -> Double? {
        guard count > 0 else { return nil }
        return Double(histogram.valueAtPercentile(percentile)) * Self.resolution
    }

    public var median: Double? { percentile(50) }
    public var p90: Double? { percentile(90) }
    public var p99: Double? { percentile(99) }
}
