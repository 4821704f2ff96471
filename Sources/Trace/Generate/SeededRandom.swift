import Engine
import Foundation

/// A small deterministic random source (SplitMix64) so generated workloads are identical on
/// every machine and Swift version for the same seed; `SystemRandomNumberGenerator` is not
/// seedable and the standard library's distributions may change between releases.
public struct SeededRandom: RandomNumberGenerator {
    private var source: SplitMix64

    public init(seed: UInt64) { source = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { source.next() }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// An index in 0..<count (count > 0), by multiply-shift (bias is negligible for small counts).
    public mutating func index(_ count: Int) -> Int {
        Int((UInt64(count).multipliedFullWidth(by: next())).high)
    }

    /// Exponential with the given rate: the gap between Poisson arrivals.
    public mutating func exponential(rate: Double) -> Double {
        -log(1 - unit()) / rate
    }

    /// Standard normal by Box–Muller (one value per call keeps the stream simple to reason about).
    public mutating func normal() -> Double {
        let u1 = 1 - unit(), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Lognormal with the given median and log-space spread.
    public mutating func lognormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * normal())
    }
}
