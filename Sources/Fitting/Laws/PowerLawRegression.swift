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
    }

    func callAsFunction(_ x: Double) -> Double { k * Foundation.pow(x, exponent) }
}
