/// SplitMix64: small, fast and reproducible, so a `seed` in the fault settings replays the same
/// sequence of fault decisions.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The randomness behind fault decisions: seeded when the settings ask for it, system otherwise.
struct FaultDice: Sendable {
    private var seeded: SeededGenerator?

    init(seed: UInt64?) { seeded = seed.map(SeededGenerator.init(seed:)) }

    /// A value in `0..<1`.
    mutating func roll() -> Double {
        if var generator = seeded {
            defer { seeded = generator }
            return Double.random(in: 0..<1, using: &generator)
        }
        return Double.random(in: 0..<1)
    }

    /// True with probability `rate`; a rate of 0 never fires and 1 always does.
    mutating func happens(rate: Double) -> Bool {
        guard rate > 0 else { return false }
        return roll() < rate
    }
}
