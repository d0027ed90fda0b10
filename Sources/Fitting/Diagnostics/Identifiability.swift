import Foundation

/// How well the data pin down each free parameter at the optimum: the Jacobian J of the law's
/// outputs (the quantity the residuals are measured in) by central differences in the internal
/// coordinates, the Gauss–Newton Hessian JᵀJ, linearised standard errors s²(JᵀJ)⁻¹ with
/// s² = Σr²/(n − k), and the eigen-structure of JᵀJ scaled to unit diagonal (its condition and
/// flattest directions). Parameters on a bound are held there (their Jacobian column vanishes
/// as, e.g., ln E → −∞).
struct Identifiability {
    var standardErrors: [String: Double] = [:]
    /// Standard error relative to the value (for log-scale parameters: of the logarithm).
    var relativeErrors: [String: Double] = [:]
    var condition: Double?
    var flat: [FlatDirection] = []
    /// Free parameters with no curvature at all (singular JᵀJ).
    var singular: [String] = []

    init(map: Reparametrization, theta: [Double], onBound: Set<String>, targets: [Double], predict: ([Double]) -> [Double]) {
        let free = map.slotOfFree.filter { !onBound.contains(map.parameters[$0].name) }
        let k = free.count, n = targets.count
        guard k > 0, n > k else { return }
        let base = predict(theta)
        guard base.count == n, base.allSatisfy(\.isFinite) else { return }
        var jac = [Double](repeating: 0, count: n * k)  // row-major n × k
        for (c, j) in free.enumerated() {
            let h = 1e-5 * max(1, abs(theta[j]))
            func shifted(_ s: Double) -> [Double] {
                var t = theta
                for q in 0..<t.count where q == j || (map.freeOfSlot[q] == map.freeOfSlot[j] && map.freeOfSlot[j] >= 0) { t[q] = theta[q] + s }
                return predict(t)
            }
            let up = shifted(h), down = shifted(-h)
            guard up.count == n, down.count == n else { return }
            for i in 0..<n { jac[i * k + c] = (up[i] - down[i]) / (2 * h) }
        }
        var jtj = [Double](repeating: 0, count: k * k)
        for i in 0..<n { for a in 0..<k { for b in 0..<k { jtj[a * k + b] += jac[i * k + a] * jac[i * k + b] } } }
        var ss = 0.0
        for i in 0..<n { ss += (base[i] - targets[i]) * (base[i] - targets[i]) }
        let s2 = ss / Double(n - k)
        let names = free.map { map.parameters[$0].name }
        for (c, name) in names.enumerated() where !(jtj[c * k + c] > 1e-300) { singular.append(name) }
        guard singular.isEmpty else { return }
        // Unit-diagonal scaling: the condition then measures correlation between parameters,
        // not their units.
        var scaled = jtj
        for a in 0..<k { for b in 0..<k { scaled[a * k + b] = jtj[a * k + b] / (jtj[a * k + a] * jtj[b * k + b]).squareRoot() } }
        let (values, vectors) = SymmetricEigen.decompose(scaled, k)
        guard let top = values.last, top > 0 else { return }
        condition = values[0] > 0 ? top / values[0] : .infinity
        for (e, vec) in zip(values, vectors) where e / top < 1e-4 && flat.count < 2 {
            var comps: [String: Double] = [:]
            // Back to internal coordinates (undo the scaling), normalised to unit length.
            var raw = (0..<k).map { vec[$0] / jtj[$0 * k + $0].squareRoot() }
            let norm = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
            raw = raw.map { $0 / norm }
            for (c, name) in names.enumerated() where abs(raw[c]) > 0.05 { comps[name] = raw[c] }
            flat.append(FlatDirection(relativeCurvature: max(e, 0) / top, components: comps))
        }
        // Covariance s²(JᵀJ)⁻¹ through the eigen-decomposition of the scaled matrix.
        for (c, name) in names.enumerated() {
            var varScaled = 0.0
            for (e, vec) in zip(values, vectors) { varScaled += vec[c] * vec[c] / max(e, 1e-300) }
            let seInternal = (s2 * varScaled / jtj[c * k + c]).squareRoot()
            let j = free[c]
            let p = map.parameters[j]
            if p.scale == .log {
                standardErrors[name] = Foundation.exp(theta[j]) * seInternal
                relativeErrors[name] = seInternal
            } else {
                standardErrors[name] = seInternal
                relativeErrors[name] = seInternal / max(abs(theta[j]), 1e-300)
            }
        }
    }
}
