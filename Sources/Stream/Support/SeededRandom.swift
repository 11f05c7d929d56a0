/// A small, fast random generator that gives the same numbers for the same seed
/// (SplitMix64): for generated data, samples and tests that must be reproducible.
///
/// ```swift
/// var random = SeededRandom(seed: 42)
/// let roll = Int.random(in: 1...6, using: &random)   // the same on every run
/// ```
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Roughly standard normal (a sum of four uniforms, rescaled): cheap and reproducible.
    public mutating func normal() -> Double {
        (unit() + unit() + unit() + unit() - 2) * 1.7320508075688772
    }
}
