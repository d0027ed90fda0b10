import Foundation

/// Hoffmann et al. (2022, App. D.2) approach-3 objective in LogSumExp form:
///
///     θ = (a, b, e, α, β),   log L̂_i = LSE(a − α·log N_i, b − β·log D_i, e)
///     f(θ) = Σ_i w_i · Huber_δ(log L̂_i − log L_i)
///
/// so A = eᵃ, B = eᵇ, E = eᵉ stay positive. The gradient uses the softmax weights of the LSE.
/// log N, log D, log L are precomputed once; an evaluation allocates nothing.
public final class ChinchillaObjective: DifferentiableObjective, @unchecked Sendable {
    public let dimension = 5
    public let delta: Double
    let logN: PointBuffer, logD: PointBuffer, logL: PointBuffer
    /// Per-point weights (1 for a plain fit, bootstrap multiplicities for a resample).
    public let weights: PointBuffer

    public init(logN: PointBuffer, logD: PointBuffer, logL: PointBuffer, weights: PointBuffer? = nil, delta: Double = 1e-3) {
        precondition(logN.count == logD.count && logD.count == logL.count)
        self.logN = logN; self.logD = logD; self.logL = logL; self.delta = delta
        self.weights = weights ?? PointBuffer(repeating: 1, count: logL.count)
    }

    public func value(at x: UnsafePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> Double {
        let a = x[0], b = x[1], e = x[2], al = x[3], be = x[4]
        let n = logL.count
        let pN = logN.base, pD = logD.base, pL = logL.base, pW = weights.base
        let delta = self.delta
        var f = 0.0, ga = 0.0, gb = 0.0, ge = 0.0, gal = 0.0, gbe = 0.0
        for i in 0..<n {
            let w = pW[i]
            if w == 0 { continue }
            let ln = pN[i], ld = pD[i]
            let t0 = a - al * ln, t1 = b - be * ld
            // Subtract the largest term so the exponentials cannot overflow.
            let m = t0 > t1 ? (t0 > e ? t0 : e) : (t1 > e ? t1 : e)
            let e0 = Foundation.exp(t0 - m), e1 = Foundation.exp(t1 - m), e2 = Foundation.exp(e - m)
            let s = e0 + e1 + e2
            let r = m + Foundation.log(s) - pL[i]
            let ar = r < 0 ? -r : r
            f += w * (ar <= delta ? 0.5 * r * r : delta * (ar - 0.5 * delta))
            let psi = w * (r > delta ? delta : (r < -delta ? -delta : r)) / s
            let p0 = psi * e0, p1 = psi * e1
            ga += p0; gb += p1; ge += psi * e2
            gal -= p0 * ln; gbe -= p1 * ld
        }
        g[0] = ga; g[1] = gb; g[2] = ge; g[3] = gal; g[4] = gbe
        return f
    }
}
