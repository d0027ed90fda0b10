/// Levenberg–Marquardt for weighted least squares Σ w_i (output_i(θ) − target_i)², with
/// Marquardt's diagonal scaling (Nocedal & Wright §10.3). Used where plain least squares is
/// the method of the literature (Kaplan's power laws, fitted in log space).
public enum LevenbergMarquardt {
    public static func minimize<M: PointwiseModel>(_ model: M, from start: [Double], weights: [Double]? = nil,
                                                   maxIterations: Int = 500) -> MinimizationResult {
        let p = model.parameterCount, n = model.pointCount
        var x = start
        var jtj = [Double](repeating: 0, count: p * p), jtr = [Double](repeating: 0, count: p)
        var dy = [Double](repeating: 0, count: p)
        func cost(_ th: [Double], accumulate: Bool) -> Double {
            var c = 0.0
            if accumulate { for k in 0..<(p * p) { jtj[k] = 0 }; for k in 0..<p { jtr[k] = 0 } }
            th.withUnsafeBufferPointer { t in
                dy.withUnsafeMutableBufferPointer { d in
                    for i in 0..<n {
                        let w = weights?[i] ?? 1
                        if w == 0 { continue }
                        let r = model.output(i, t.baseAddress!, d.baseAddress!) - model.target(i)
                        c += w * r * r
                        if accumulate {
                            for a in 0..<p {
                                jtr[a] += w * d[a] * r
                                for b in 0..<p { jtj[a * p + b] += w * d[a] * d[b] }
                            }
                        }
                    }
                }
            }
            return c
        }
        var f = cost(x, accumulate: true)
        var mu = 1e-3
        var evaluations = 1
        var it = 0
        guard f.isFinite else { return MinimizationResult(x: x, value: f, iterations: 0, evaluations: 1, stop: .nonFiniteStart) }
        while it < maxIterations {
            it += 1
            if jtr.map(abs).max() ?? 0 <= 1e-15 * max(1, f) { return MinimizationResult(x: x, value: f, iterations: it, evaluations: evaluations, stop: .gradientTolerance) }
            var improved = false
            while mu < 1e20 {
                var a = jtj
                for k in 0..<p { a[k * p + k] += mu * max(jtj[k * p + k], 1e-12) }
                guard let step = DenseSolve.solveSymmetric(a, jtr.map { -$0 }, p) else { mu *= 10; continue }
                let trial = zip(x, step).map { $0 + $1 }
                let ft = cost(trial, accumulate: false)
                evaluations += 1
                if ft.isFinite && ft < f {
                    let decrease = f - ft
                    x = trial
                    f = cost(x, accumulate: true)
                    evaluations += 1
                    mu = max(mu / 10, 1e-15)
                    improved = true
                    if decrease <= 1e-15 * f { return MinimizationResult(x: x, value: f, iterations: it, evaluations: evaluations, stop: .functionTolerance) }
                    break
                }
                mu *= 10
            }
            if !improved { return MinimizationResult(x: x, value: f, iterations: it, evaluations: evaluations, stop: .functionTolerance) }
        }
        return MinimizationResult(x: x, value: f, iterations: it, evaluations: evaluations, stop: .maxIterations)
    }
}

/// Small dense linear algebra for normal equations (p ≤ ~10 unknowns).
enum DenseSolve {
    /// Solves A x = b for symmetric positive definite A (row-major p×p) by Cholesky; nil if A is
    /// not positive definite.
    static func solveSymmetric(_ a: [Double], _ b: [Double], _ p: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in 0...i {
                var s = a[i * p + j]
                for k in 0..<j { s -= l[i * p + k] * l[j * p + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * p + i] = s.squareRoot()
                } else {
                    l[i * p + j] = s / l[j * p + j]
                }
            }
        }
        var y = b
        for i in 0..<p { for k in 0..<i { y[i] -= l[i * p + k] * y[k] }; y[i] /= l[i * p + i] }
        for i in stride(from: p - 1, through: 0, by: -1) { for k in (i + 1)..<p { y[i] -= l[k * p + i] * y[k] }; y[i] /= l[i * p + i] }
        return y
    }

    /// Ordinary least squares of y on the columns of X (row-major n×p): the coefficients.
    static func leastSquares(_ x: [Double], _ y: [Double], rows n: Int, columns p: Int) -> [Double]? {
        var xtx = [Double](repeating: 0, count: p * p), xty = [Double](repeating: 0, count: p)
        for i in 0..<n {
            for a in 0..<p {
                xty[a] += x[i * p + a] * y[i]
                for b in 0..<p { xtx[a * p + b] += x[i * p + a] * x[i * p + b] }
            }
        }
        return solveSymmetric(xtx, xty, p)
    }
}
