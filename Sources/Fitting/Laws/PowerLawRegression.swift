import Foundation

/// y = k·x^a fitted by ordinary least squares on (log x, log y) — the power-law fits of
/// Chinchilla's approaches 1 and 2 (fit in log space: a linear-space fit is dominated by the
/// largest points).
struct PowerLaw {
    var k: Double
    var exponent: Double

    init?(x: [Double], y: [Double]) {
        guard x.count >= 2, Set(x).count >= 2 else { return nil }
        let lx = x.map { Foundation.log($0) }, ly = y.map { Foundation.log($0) }
        // Centre log x so the 2×2 normal equations stay well conditioned (log C ≈ 40–60).
        let mx = lx.reduce(0, +) / Double(lx.count)
        guard let c = DenseSolve.leastSquares(lx.flatMap { [1, $0 - mx] }, ly, rows: lx.count, columns: 2) else { return nil }
        exponent = c[1]
        k = Foundation.exp(c[0] - c[1] * mx)
        // Slope's standard error from the residual scatter (n − 2 degrees of freedom); nil with
        // two points, where the line goes through both and says nothing about its own error.
        let n = lx.count
        let sxx = lx.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        if n >= 3, sxx > 0 {
            let rss = zip(lx, ly).reduce(0.0) { acc, p in let r = p.1 - (c[0] + c[1] * (p.0 - mx)); return acc + r * r }
            exponentStandardError = (rss / Double(n - 2) / sxx).squareRoot()
        }
    }

    var exponentStandardError: Double?

    /// 95% interval of the exponent: slope ± t(0.975, n − 2) · SE.
    func exponentInterval(points n: Int) -> [Double]? {
        guard let se = exponentStandardError, se.isFinite, n >= 3 else { return nil }
        let t = Self.studentT975(degreesOfFreedom: n - 2)
        return [exponent - t * se, exponent + t * se]
    }

    /// Two-sided 95% quantile of Student's t (tabulated to 30 degrees of freedom, then the normal's).
    static func studentT975(degreesOfFreedom k: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                               2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        return k >= 1 && k <= table.count ? table[k - 1] : 1.960
    }

    func callAsFunction(_ x: Double) -> Double { k * Foundation.pow(x, exponent) }
}
