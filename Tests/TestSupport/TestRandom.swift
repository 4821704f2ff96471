import Engine

/// Deterministic random numbers for tests (the engine's SplitMix64), so every failure reproduces.
public struct TestRandom: RandomNumberGenerator {
    private var source: SplitMix64
    public init(seed: UInt64) { source = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { source.next() }

    /// Uniform in -scale..<scale, with an occasional 8× outlier like real activations.
    public mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in
            let v = Float.random(in: -scale..<scale, using: &self)
            return Int.random(in: 0..<64, using: &self) == 0 ? v * 8 : v
        }
    }
}
