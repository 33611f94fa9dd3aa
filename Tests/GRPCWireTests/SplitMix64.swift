/// A tiny deterministic pseudo-random generator (SplitMix64, Steele/Lea/Flood 2014), so the random
/// split tests produce the same pieces on every run and every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Ways to cut a byte stream into consecutive pieces, for drip-feed tests.
enum Splits {
    /// Pieces of exactly `size` bytes (the last may be shorter).
    static func fixed(_ size: Int, total: Int) -> [Range<Int>] {
        stride(from: 0, to: total, by: size).map { $0..<min($0 + size, total) }
    }

    /// Pieces of random length 1...`maxPiece` drawn from a seeded generator; empty pieces included
    /// now and then because a transport can deliver an empty chunk.
    static func random(seed: UInt64, total: Int, maxPiece: Int = 17) -> [Range<Int>] {
        var generator = SplitMix64(seed: seed)
        var ranges: [Range<Int>] = []
        var start = 0
        while start < total {
            let length = Int.random(in: 0...maxPiece, using: &generator)
            let end = min(start + length, total)
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}
