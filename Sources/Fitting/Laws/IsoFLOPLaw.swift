import Foundation
import Support

/// Chinchilla approach 2 (Hoffmann et al. 2022, §3.2): group runs into compute budgets, fit a
/// parabola L = c0 + c1·x + c2·x² in x = ln N per budget, take its vertex as N_opt(C), then fit
/// N_opt = k_N·C^a and D_opt = k_D·C^b (D_opt = C/(6 N_opt)) in log space.
/// A budget needs ≥ 3 model sizes and an interior minimum (c2 > 0, vertex inside its N range);
/// the fit needs ≥ 2 such budgets.
public enum IsoFLOPLaw {
    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        for o in obs {
            guard let n = o[.N], let c = o[.C], let l = o[.loss] else {
                throw ScaleLabError.data(path: o.source, reason: "law chinchilla-isoflop needs N, C (or D) and loss for every row")
            }
            guard n > 0, c > 0, l.isFinite else { throw ScaleLabError.data(path: o.source, reason: "N and C must be positive") }
        }
        let sorted = obs.sorted { $0[.C]! < $1[.C]! }
        var groups: [[Observation]] = []
        for o in sorted {
            if let first = groups.last?.first, o[.C]! <= first[.C]! * (1 + options.isoFLOPBudgetTolerance) { groups[groups.count - 1].append(o) }
            else { groups.append([o]) }
        }
        guard groups.count >= 2 else {
            throw ScaleLabError.invalid("law chinchilla-isoflop needs runs at 2 or more compute budgets (found a single budget C ≈ \(sorted[0][.C]!)); each budget needs 3 or more model sizes")
        }
        var budgets: [IsoFLOPBudget] = []
        var cs: [Double] = [], nOpts: [Double] = []
        for g in groups {
            let c = Foundation.exp(g.map { Foundation.log($0[.C]!) }.reduce(0, +) / Double(g.count))
            var b = IsoFLOPBudget(compute: c, points: g.count, nOpt: nil, lossAtOpt: nil, excluded: nil)
            let xs = g.map { Foundation.log($0[.N]!) }, ls = g.map { $0[.loss]! }
            if Set(xs).count < 3 { b.excluded = "\(Set(xs).count) model sizes; a parabola needs 3 or more"; budgets.append(b); continue }
            let mx = xs.reduce(0, +) / Double(xs.count)
            guard let q = DenseSolve.leastSquares(xs.flatMap { [1, $0 - mx, ($0 - mx) * ($0 - mx)] }, ls, rows: xs.count, columns: 3) else {
                b.excluded = "parabola fit is singular"; budgets.append(b); continue
            }
            guard q[2] > 0 else { b.excluded = "parabola opens downwards: no minimum"; budgets.append(b); continue }
            let v = -q[1] / (2 * q[2]) + mx
            guard v >= xs.min()!, v <= xs.max()! else { b.excluded = "minimum lies outside the sampled model sizes (no interior minimum)"; budgets.append(b); continue }
            b.nOpt = Foundation.exp(v)
            b.lossAtOpt = q[0] - q[1] * q[1] / (4 * q[2])
            budgets.append(b)
            cs.append(c); nOpts.append(b.nOpt!)
        }
        guard cs.count >= 2, let nLaw = PowerLaw(x: cs, y: nOpts), let dLaw = PowerLaw(x: cs, y: zip(cs, nOpts).map { $0 / (6 * $1) }) else {
            throw ScaleLabError.invalid("law chinchilla-isoflop needs 2 or more compute budgets with an interior minimum; usable: \(cs.count) of \(budgets.count) (\(budgets.compactMap { b in b.excluded.map { e in "C=\(String(format: "%.3g", b.compute)): \(e)" } }.joined(separator: "; ")))")
        }
        let predicted = cs.map { nLaw($0) }
        var fit = LawFit(law: .chinchillaIsoFLOP, params: ["a": nLaw.exponent, "b": dLaw.exponent, "k_N": nLaw.k, "k_D": dLaw.k],
                         nPoints: obs.count, goodness: .of(observed: nOpts, predicted: predicted, objective: .nan),
                         residuals: zip(cs, predicted).enumerated().map { Residual(run: "C=\(String(format: "%.4g", $0.element.0))", observed: nOpts[$0.offset], predicted: $0.element.1) },
                         settings: ["budget_tolerance": options.isoFLOPBudgetTolerance, "budgets_used": Double(cs.count)],
                         notes: ["N_opt = k_N C^a, D_opt = k_D C^b with D_opt = C/(6 N_opt); goodness and residuals are of N_opt per budget"])
        fit.budgets = budgets
        return fit
    }
}
