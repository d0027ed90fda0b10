import Foundation
import Support

/// Chinchilla approach 2 (Hoffmann et al. 2022, §3.2): group runs into compute budgets, fit a
/// parabola L = c0 + c1·x + c2·x² in x = ln N per budget, take its vertex as N_opt(C), then fit
/// N_opt = k_N·C^a and D_opt = k_D·C^b (D_opt = C/(6 N_opt)) in log space.
///
/// Budgets: runs are grouped by the `budget` column when it is present (the FLOP convention
/// that planned the sweep), else by their C within a relative tolerance. The power law is
/// regressed on the mapped N and C: a budget's C is the mapped C interpolated (in log–log) at
/// the vertex, so `--map N=n_params_non_embedding --map C=flops_kaplan` gives Kaplan's
/// convention on budgets planned under Chinchilla's.
///
/// Each parabola is fitted only around its budget's best size (the lowest loss, `window`
/// distinct sizes centred on it, at least 3), so badly under-trained sizes at the edges do not
/// bend it. A budget whose best size is the smallest or largest sampled has no interior
/// minimum and is dropped, with the reason.
public enum IsoFLOPLaw {
    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        for o in obs {
            guard let n = o[.N], let c = o[.C], let l = o[.loss] else {
                throw ScaleLabError.data(path: o.source, reason: "law chinchilla-isoflop needs N, C (or D) and loss for every row")
            }
            guard n > 0, c > 0, l.isFinite else { throw ScaleLabError.data(path: o.source, reason: "N and C must be positive") }
        }
        let (groups, byColumn) = budgetGroups(obs, tolerance: options.isoFLOPBudgetTolerance)
        guard groups.count >= 2 else {
            throw ScaleLabError.invalid("law chinchilla-isoflop needs runs at 2 or more compute budgets (found a single budget C ≈ \(fmt(obs[0][byColumn ? .budget : .C]!))); each budget needs 3 or more model sizes")
        }
        var budgets: [IsoFLOPBudget] = []
        var cs: [Double] = [], nOpts: [Double] = []
        for g in groups {
            let b = budget(g, window: options.isoFLOPWindow, size: .N) { $0[.loss]! }
            budgets.append(b)
            if b.excluded == nil, let n = b.nOpt { cs.append(b.compute); nOpts.append(n) }
        }
        guard cs.count >= 2, let nLaw = PowerLaw(x: cs, y: nOpts), let dLaw = PowerLaw(x: cs, y: zip(cs, nOpts).map { $0 / (6 * $1) }) else {
            throw ScaleLabError.invalid("law chinchilla-isoflop needs 2 or more compute budgets with an interior minimum; usable: \(cs.count) of \(budgets.count) (\(budgets.compactMap { b in b.excluded.map { e in "C=\(String(format: "%.3g", b.compute)): \(e)" } }.joined(separator: "; ")))")
        }
        let predicted = cs.map { nLaw($0) }
        var fit = LawFit(law: .chinchillaIsoFLOP, params: ["a": nLaw.exponent, "b": dLaw.exponent, "k_N": nLaw.k, "k_D": dLaw.k],
                         nPoints: obs.count, goodness: .of(observed: nOpts, predicted: predicted, objective: .nan),
                         residuals: zip(cs, predicted).enumerated().map { Residual(run: "C=\(String(format: "%.4g", $0.element.0))", observed: nOpts[$0.offset], predicted: $0.element.1) },
                         settings: ["budget_tolerance": options.isoFLOPBudgetTolerance, "budgets_used": Double(cs.count), "window": Double(options.isoFLOPWindow),
                                    "grouped_by_budget_column": byColumn ? 1 : 0],
                         notes: ["N_opt = k_N C^a, D_opt = k_D C^b with D_opt = C/(6 N_opt); goodness and residuals are of N_opt per budget",
                                 byColumn ? "budgets grouped by the budget column (the planning convention); N and C regressed as mapped"
                                          : "budgets grouped by C within \(fmt(options.isoFLOPBudgetTolerance)) relative tolerance",
                                 "each parabola fitted on up to \(options.isoFLOPWindow) sizes around the budget's best size"])
        fit.budgets = budgets
        // Regression intervals over the budgets (b = 1 − a under C = 6ND, so one interval serves both).
        if let ci = nLaw.exponentInterval(points: cs.count) {
            fit.ci95 = ["a": ci, "b": [1 - ci[1], 1 - ci[0]]]
            fit.notes.append("95% intervals of a and b: least-squares slope ± t(\(cs.count - 2) dof) · standard error over the \(cs.count) budgets; they do not include the error of each budget's parabola")
        }
        var d = FitDiagnostics()
        d.verdict = verdict(a: nLaw.exponent, used: cs.count, total: budgets.count, goodness: fit.goodness, interval: fit.ci95?["a"])
        fit.diagnostics = d
        fit.range = FittedRange(["N": obs.map { $0[.N]! }, "C": obs.map { $0[.C]! }])
        return fit
    }

    /// Runs per budget, by the budget column when every row has one, else by C.
    static func budgetGroups(_ obs: [Observation], tolerance: Double) -> (groups: [[Observation]], byColumn: Bool) {
        let byColumn = obs.allSatisfy { ($0[.budget] ?? 0) > 0 }
        let key: Quantity = byColumn ? .budget : .C
        let tol = byColumn ? 1e-9 : tolerance
        let sorted = obs.sorted { $0[key]! < $1[key]! }
        var groups: [[Observation]] = []
        for o in sorted {
            if let first = groups.last?.first, o[key]! <= first[key]! * (1 + tol) { groups[groups.count - 1].append(o) }
            else { groups.append([o]) }
        }
        return (groups, byColumn)
    }

    /// One budget's parabola of `loss` in ln `size` (N; N_v for the vocabulary law) around its
    /// best size; `nOpt` is the vertex in that size.
    static func budget(_ g: [Observation], window: Int, size: Quantity, loss: (Observation) -> Double) -> IsoFLOPBudget {
        let logC = g.map { Foundation.log($0[.C]!) }
        var b = IsoFLOPBudget(compute: Foundation.exp(logC.reduce(0, +) / Double(g.count)), points: g.count, nOpt: nil, lossAtOpt: nil, excluded: nil)
        // Mean loss per distinct size (seeds of one size average).
        var bySize: [Double: [Double]] = [:]
        for o in g { bySize[o[size]!, default: []].append(loss(o)) }
        let sizes = bySize.keys.sorted()
        guard sizes.count >= 3 else { b.excluded = "\(sizes.count) model sizes; a parabola needs 3 or more"; return b }
        let mean = sizes.map { s in bySize[s]!.reduce(0, +) / Double(bySize[s]!.count) }
        let best = mean.indices.min { mean[$0] < mean[$1] }!
        if best == 0 || best == sizes.count - 1 {
            b.excluded = "lowest loss at the \(best == 0 ? "smallest" : "largest") sampled size \(size.rawValue)=\(fmt(sizes[best])): the optimum may lie beyond the sizes trained (no interior minimum)"
            return b
        }
        let half = max(1, (max(window, 3) - 1) / 2)
        let lo = max(0, best - half), hi = min(sizes.count - 1, best + half)
        let used = Array(sizes[lo...hi])
        b.sizesUsed = used
        let usedSet = Set(used)
        let pts = g.filter { usedSet.contains($0[size]!) }
        let xs = pts.map { Foundation.log($0[size]!) }, ls = pts.map(loss)
        let mx = xs.reduce(0, +) / Double(xs.count)
        guard let q = DenseSolve.leastSquares(xs.flatMap { [1, $0 - mx, ($0 - mx) * ($0 - mx)] }, ls, rows: xs.count, columns: 3) else {
            b.excluded = "parabola fit is singular"; return b
        }
        guard q[2] > 0 else { b.excluded = "parabola around the best size opens downwards: no minimum"; return b }
        let v = -q[1] / (2 * q[2]) + mx
        guard v >= Foundation.log(used.first!), v <= Foundation.log(used.last!) else {
            b.excluded = "parabola vertex \(size.rawValue)=\(fmt(Foundation.exp(v))) lies outside the sizes it was fitted on"; return b
        }
        b.nOpt = Foundation.exp(v)
        b.lossAtOpt = q[0] - q[1] * q[1] / (4 * q[2])
        // The budget's C in the mapped convention, at the vertex (constant when C is).
        let lc = pts.map { Foundation.log($0[.C]!) }
        if Set(lc).count > 1, let line = DenseSolve.leastSquares(xs.flatMap { [1, $0 - mx] }, lc, rows: xs.count, columns: 2) {
            b.compute = Foundation.exp(line[0] + line[1] * (v - mx))
        }
        return b
    }

    /// Widest 95% interval of a that still separates the published exponents (0.5 and 0.73 are 0.23 apart).
    static let maxInformativeWidth = 0.5

    static func verdict(a: Double, used: Int, total: Int, goodness: Goodness, interval: [Double]? = nil) -> Verdict {
        if !(a > 0) { return Verdict(level: .notALaw, reason: "N_opt exponent a = \(fmt(a)) ≤ 0: the optimal size does not grow with compute") }
        if a >= 1 { return Verdict(level: .notALaw, reason: "N_opt exponent a = \(fmt(a)) ≥ 1: the optimal token count would shrink with compute") }
        if used == 2 { return Verdict(level: .weaklyDetermined, reason: "only 2 of \(total) budgets have an interior minimum: the exponent is a line through two points") }
        if used * 2 < total { return Verdict(level: .weaklyDetermined, reason: "\(total - used) of \(total) budgets dropped (see each budget's reason)") }
        // An interval wider than the gap between Kaplan's 0.73 and Chinchilla's 0.5 cannot tell
        // them apart: the exponent is measured, but not well enough to mean much.
        if let ci = interval, ci[1] - ci[0] > maxInformativeWidth {
            return Verdict(level: .weaklyDetermined, reason: "\(used) of \(total) budgets with interior minima, but the 95% interval of a (\(fmt(ci[0]))–\(fmt(ci[1]))) is wider than \(fmt(maxInformativeWidth)): more budgets or less noise per budget")
        }
        return Verdict(level: .trustworthy, reason: "\(used) of \(total) budgets with interior minima")
    }
}
