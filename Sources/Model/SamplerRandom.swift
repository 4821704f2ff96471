/// The sampler's random number generator: xorshift64* seeded through splitmix64.
///
/// Small, fast and fully specified here, so a seed gives the same tokens on every platform and
/// Swift version (the standard library's generators promise neither).
public struct SamplerRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        // splitmix64 spreads nearby seeds (0, 1, 2...) apart; xorshift needs a non-zero state.
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        state = z == 0 ? 0x2545_F491_4F6C_DD1D : z
    }

    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// A float in [0, 1) with 24 random bits, as llama2.c's `random_f32`.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) / 16_777_216
    }
}
