import Foundation

/// Hoffmann et al. (2022, App. D.2) approach-3 objective in LogSumExp form:
///
///     θ = (a, b, e, α, β),   log L̂_i = LSE(a − α·log N_i, b − β·log D_i, e)
///     f(θ) = Σ_i w_i · Huber_δ(log L̂_i − log L_i)
///
/// so A = eᵃ, B = eᵇ, E = eᵉ stay positive. The gradient uses the softmax weights of the LSE.
/// log N, log D, log L are precomputed once; an evaluation allocates nothing and handles eight
/// points per step with SIMD exp/log (`SIMDMath`).
public final class ChinchillaObjective: DifferentiableObjective, @unchecked Sendable {
    public let dimension = 5
    public let delta: Double
    let logN: PointBuffer, logD: PointBuffer, logL: PointBuffer
    /// Per-point weights (1 for a plain fit, bootstrap multiplicities for a resample).
    public let weights: PointBuffer

    let paddedCount: Int

    /// Buffers are copied into storage padded to a multiple of 8 (padding has weight 0), so
    /// the loop runs eight points per SIMD step with no remainder loop.
    public init(logN: PointBuffer, logD: PointBuffer, logL: PointBuffer, weights: PointBuffer? = nil, delta: Double = 1e-3) {
        precondition(logN.count == logD.count && logD.count == logL.count)
        let n = logL.count
        let padCount = (n + 7) / 8 * 8
        paddedCount = padCount
        func padded(_ b: PointBuffer, _ fill: Double) -> PointBuffer {
            PointBuffer(b.array + [Double](repeating: fill, count: padCount - n))
        }
        self.logN = padded(logN, 0); self.logD = padded(logD, 0); self.logL = padded(logL, 0); self.delta = delta
        self.weights = padded(weights ?? PointBuffer(repeating: 1, count: n), 0)
        self.pointCount = n
    }

    public let pointCount: Int

    public func value(at x: UnsafePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> Double {
        typealias V = SIMD8<Double>
        let a = V(repeating: x[0]), b = V(repeating: x[1]), e = V(repeating: x[2]), al = V(repeating: x[3]), be = V(repeating: x[4])
        let delta = V(repeating: self.delta), negDelta = -delta, halfDelta = 0.5 * delta
        var f = V(), ga = V(), gb = V(), ge = V(), gal = V(), gbe = V()
        // Eight points per step (two AVX2 registers: independent chains hide the polynomial
        // latency); the buffers are padded to a multiple of 8 with weight-0 points.
        let pN = UnsafeRawPointer(logN.base), pD = UnsafeRawPointer(logD.base), pL = UnsafeRawPointer(logL.base), pW = UnsafeRawPointer(weights.base)
        var off = 0
        let end = paddedCount * MemoryLayout<Double>.stride
        while off < end {
            let ln = pN.loadUnaligned(fromByteOffset: off, as: V.self), ld = pD.loadUnaligned(fromByteOffset: off, as: V.self)
            let ll = pL.loadUnaligned(fromByteOffset: off, as: V.self), w = pW.loadUnaligned(fromByteOffset: off, as: V.self)
            off += 8 * MemoryLayout<Double>.stride
            let t0 = a - al * ln, t1 = b - be * ld
            // Subtract the largest term so the exponentials cannot overflow; the sum is in [1, 3].
            var m = t0.replacing(with: t1, where: t1 .> t0)
            m = m.replacing(with: e, where: e .> m)
            let e0 = SIMDMath.expNonPositive(t0 - m), e1 = SIMDMath.expNonPositive(t1 - m), e2 = SIMDMath.expNonPositive(e - m)
            let s = e0 + e1 + e2
            let r = m + SIMDMath.logOneToThree(s) - ll
            let ar = r.replacing(with: -r, where: r .< 0)
            let h = (0.5 * r * r).replacing(with: delta * (ar - halfDelta), where: ar .> delta)
            f += w * h
            let clipped = r.replacing(with: delta, where: r .> delta).replacing(with: negDelta, where: r .< negDelta)
            let psi = w * clipped / s
            let p0 = psi * e0, p1 = psi * e1
            ga += p0; gb += p1; ge += psi * e2
            gal -= p0 * ln; gbe -= p1 * ld
        }
        g[0] = ga.sum(); g[1] = gb.sum(); g[2] = ge.sum(); g[3] = gal.sum(); g[4] = gbe.sum()
        return f.sum()
    }
}
