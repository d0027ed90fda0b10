import Support

/// `Support.SeededRandom`'s exact stream (xoshiro256**, same state words) with the state in four
/// stored properties, for the synthetic generators' hot loops. `SeededRandom.next()` is not
/// inlinable across modules and keeps its state in an array, so each draw costs a call and a
/// uniqueness check (about 11 % + 8 % retain/release of generation time in a perf profile).
/// Generators copy the caller's generator in, draw, and copy the state back, so callers see the
/// same sequence either way (checked by a test and by the corpora's pinned digests).
struct InlineXoshiro {
    private var s0, s1, s2, s3: UInt64

    init(_ r: SeededRandom) { (s0, s1, s2, s3) = (r.state[0], r.state[1], r.state[2], r.state[3]) }

    /// Back to a `SeededRandom` positioned after the draws made here.
    var seededRandom: SeededRandom { try! SeededRandom(state: [s0, s1, s2, s3]) }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Same mapping as `SeededRandom.nextDouble`: the top 53 bits over 2^53.
    @inline(__always)
    mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}
