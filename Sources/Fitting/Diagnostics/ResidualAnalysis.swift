import Foundation

extension ResidualStructure {
    /// Runs test on the signs of residuals ordered by prediction (Wald–Wolfowitz) and the
    /// correlation of residuals with each log predictor given. Systematic when the runs test
    /// rejects at z ≤ −2 or a trend has |r| ≥ 0.5, with 8 or more points.
    static func of(residuals: [Double], predicted: [Double], predictors: [String: [Double]]) -> ResidualStructure? {
        let n = residuals.count
        guard n >= 4 else { return nil }
        let order = predicted.indices.sorted { predicted[$0] < predicted[$1] }
        let signs = order.map { residuals[$0] >= 0 }
        let pos = Double(signs.filter { $0 }.count), neg = Double(n) - pos
        var runs = 1
        for i in 1..<n where signs[i] != signs[i - 1] { runs += 1 }
        let expected = pos == 0 || neg == 0 ? 1 : 2 * pos * neg / Double(n) + 1
        let variance = pos == 0 || neg == 0 ? 0 : 2 * pos * neg * (2 * pos * neg - Double(n)) / (Double(n) * Double(n) * Double(n - 1))
        let z = variance > 0 ? (Double(runs) - expected) / variance.squareRoot() : 0
        var trend: [String: Double] = [:]
        for (name, xs) in predictors where xs.count == n {
            let lx = xs.map { Foundation.log(max($0, 1e-300)) }
            if let r = correlation(lx, residuals) { trend[name] = r }
        }
        let systematic = n >= 8 && (z <= -2 || trend.values.contains { abs($0) >= 0.5 })
        return ResidualStructure(signRuns: runs, expectedSignRuns: expected, runsZ: z, trend: trend, systematic: systematic)
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my) }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// One line for the text output.
    var line: String {
        let t = trend.keys.sorted().map { "\($0) \(String(format: "%+.2f", trend[$0]!))" }.joined(separator: ", ")
        return "\(systematic ? "systematic" : "no clear structure"): \(signRuns) sign runs (noise: \(String(format: "%.1f", expectedSignRuns)), z \(String(format: "%.1f", runsZ)))" + (t.isEmpty ? "" : "; correlation with log \(t)")
    }
}
