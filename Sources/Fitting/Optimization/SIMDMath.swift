/// Vectorised exp and log for SIMD4<Double> (AVX2: four points per instruction), accurate to a
/// few ulp — the objective loops call them per data point, and Glibc's scalar exp/log were the
/// bottleneck of the multi-start fits. Written with plain * + and `replacing(with:where:)` only
/// (the generic SIMD min/max/clamp helpers compile to scalar loops; see the project's
/// performance notes).
enum SIMDMath {
    typealias V = SIMD8<Double>
    typealias I = SIMD8<Int64>

    /// eˣ for x ≤ 0 (LogSumExp terms after subtracting the largest; clamped below at −708):
    /// x = k·ln2 + r with |r| ≤ ln2/2, e^r by a degree-12 Taylor polynomial (truncation
    /// < 2e-16), 2^k assembled in the exponent bits.
    @inline(__always)
    static func expNonPositive(_ x0: V) -> V {
        let x = x0.replacing(with: -708, where: x0 .< -708)
        let magic: V = V(repeating: 6755399441055744.0)  // 1.5·2^52: adding it rounds to an integer
        let t = x * 1.4426950408889634 + magic
        let k = t - magic
        let r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
        var p: V = V(repeating: 1.0 / 479001600.0)
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        let ki = unsafeBitCast(t, to: I.self) &- unsafeBitCast(magic, to: I.self)
        let scale = unsafeBitCast((ki &+ 1023) &<< 52, to: V.self)
        return p * scale
    }

    /// ln x for x in [1, 3] (the LogSumExp sum after subtracting the largest term): x = m·2^e
    /// with e ∈ {0, 1} and m in [√½, 1.5], ln m = 2·atanh(f), f = (m−1)/(m+1), |f| ≤ 0.2, by its
    /// series to f²³ (truncation < 1e-17). No integer lanes: AVX2 has no int64→double convert.
    @inline(__always)
    static func logOneToThree(_ x: V) -> V {
        let big = x .> 1.4142135623730951
        let m = x.replacing(with: x * 0.5, where: big)
        let e = V().replacing(with: 0.6931471805599453, where: big)
        let f = (m - 1) / (m + 1)
        let z = f * f
        var s: V = V(repeating: 1.0 / 23)
        s = s * z + 1.0 / 21
        s = s * z + 1.0 / 19
        s = s * z + 1.0 / 17
        s = s * z + 1.0 / 15
        s = s * z + 1.0 / 13
        s = s * z + 1.0 / 11
        s = s * z + 1.0 / 9
        s = s * z + 1.0 / 7
        s = s * z + 1.0 / 5
        s = s * z + 1.0 / 3
        s = s * z + 1
        return e + 2 * f * s
    }
}
