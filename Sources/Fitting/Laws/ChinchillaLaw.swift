import Foundation
import Support

/// Chinchilla approach 3 (Hoffmann et al. 2022, §3.3 and App. D.2):
///
///     L(N, D) = E + A/N^α + B/D^β
///
/// fitted as log L̂ = LSE(a − α log N, b − β log D, e) (A = eᵃ, B = eᵇ, E = eᵉ) by minimising the
/// summed Huber loss (δ = 1e-3) of log residuals with L-BFGS from the 4500-point grid
/// α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}, keeping the best — the
/// protocol of the Epoch AI replication (Besiroglu et al. 2024), with tight tolerances.
///
/// Compute-optimal frontier under C = 6ND (eq. 4): N_opt = G (C/6)^a, D_opt = G⁻¹ (C/6)^b with
/// G = (αA/(βB))^{1/(α+β)}, a = β/(α+β), b = α/(α+β).
public enum ChinchillaLaw {
    public static let parameterNames = ["A", "B", "E", "alpha", "beta"]

    /// The Hoffmann et al. grid as rows (a, b, e, α, β).
    public static let hoffmannGrid: [Double] = {
        var g: [Double] = []
        for al in stride(from: 0.0, through: 2.0, by: 0.5) {
            for be in stride(from: 0.0, through: 2.0, by: 0.5) {
                for e in stride(from: -1.0, through: 1.0, by: 0.5) {
                    for a in stride(from: 0.0, through: 25.0, by: 5.0) {
                        for b in stride(from: 0.0, through: 25.0, by: 5.0) { g += [a, b, e, al, be] }
                    }
                }
            }
        }
        return g
    }()

    /// Every `stride`-th start of the grid.
    static func grid(stride: Int) -> [Double] {
        guard stride > 1 else { return hoffmannGrid }
        var g: [Double] = []
        for k in Swift.stride(from: 0, to: hoffmannGrid.count / 5, by: stride) { g += hoffmannGrid[(k * 5)..<(k * 5 + 5)] }
        return g
    }

    /// Points ready for the objective (validated: N, D > 0 and loss > 0).
    struct Points {
        var logN: [Double], logD: [Double], logL: [Double], runs: [String], loss: [Double], n: [Double], d: [Double]
    }

    static func points(_ obs: [Observation], law: LawName) throws -> Points {
        var p = Points(logN: [], logD: [], logL: [], runs: [], loss: [], n: [], d: [])
        for o in obs {
            guard let n = o[.N], let d = o[.D], let l = o[.loss] else {
                throw ScaleLabError.data(path: o.source, reason: "law \(law.rawValue) needs N, D (or C) and loss for every row; this row lacks \([Quantity.N, .D, .loss].filter { o[$0] == nil }.map(\.rawValue).joined(separator: ", ")) (name the columns with --map, e.g. --map N=\"Model Size\" --map C=\"Training FLOP\")")
            }
            guard n > 0, d > 0 else { throw ScaleLabError.data(path: o.source, reason: "N and D must be positive (N=\(n), D=\(d))") }
            guard l > 0 else { throw ScaleLabError.data(path: o.source, reason: "loss must be positive for law \(law.rawValue) (got \(l)); it is fitted in log space") }
            p.logN.append(Foundation.log(n)); p.logD.append(Foundation.log(d)); p.logL.append(Foundation.log(l))
            p.runs.append(o.run); p.loss.append(l); p.n.append(n); p.d.append(d)
        }
        return p
    }

    /// The parameters in the optimiser's order θ = (ln A, ln B, ln E, α, β), with the physical
    /// defaults: E between 0 and the smallest observed loss, exponents positive.
    public static func parameters(smallestLoss: Double) -> [LawParameter] {
        [.logCoefficient("A"), .logCoefficient("B"), .irreducible("E", smallestLoss: smallestLoss), .exponent("alpha"), .exponent("beta")]
    }

    /// Fits approach 3 to the observations (`law` names the law whose constraints apply).
    public static func fit(_ obs: [Observation], options: FitOptions, law: LawName = .chinchilla) throws -> LawFit {
        let p = try points(obs, law: law)
        guard p.loss.count >= 10 else {
            throw ScaleLabError.invalid("law \(law.rawValue) needs at least 10 runs (5 parameters, and spread in both N and D); got \(p.loss.count)")
        }
        guard Set(p.n).count >= 2, Set(p.d).count >= 2 else {
            throw ScaleLabError.invalid("law \(law.rawValue) needs runs at several model sizes N and token counts D")
        }
        let map = try Reparametrization(parameters(smallestLoss: p.loss.min()!), options.constraints.restricted(to: parameterNames), law: law)
        let bN = PointBuffer(p.logN), bD = PointBuffer(p.logD), bL = PointBuffer(p.logL)
        let objective = ChinchillaObjective(logN: bN, logD: bD, logL: bL, delta: options.huberDelta)
        guard let (x, outcome) = map.minimize(objective, starts: grid(stride: options.gridStride), options: options.lbfgs, screening: options.screening) else {
            throw ScaleLabError.invalid("law \(law.rawValue): no start of the grid reached a finite objective")
        }
        let params = named(x)
        let predicted = zip(p.n, p.d).map { loss(params, n: $0, d: $1) }
        var fit = LawFit(law: .chinchilla, params: params, derived: derived(params), nPoints: p.loss.count,
                         goodness: .of(observed: p.loss, predicted: predicted, objective: outcome.best.value),
                         residuals: (0..<p.loss.count).map { Residual(run: p.runs[$0], observed: p.loss[$0], predicted: predicted[$0]) },
                         settings: ["huber_delta": options.huberDelta, "grid_stride": Double(max(options.gridStride, 1)), "grid_starts": Double(outcome.totalStarts),
                                    "finite_starts": Double(outcome.finiteStarts), "best_start": Double(outcome.bestStartIndex),
                                    "iterations": Double(outcome.best.iterations), "refined_starts": Double(outcome.refinedStarts ?? outcome.totalStarts)],
                         notes: ["log L = LSE(a - alpha log N, b - beta log D, e); summed Huber of log residuals; L-BFGS from the 4500-point Hoffmann grid; D = C/(6N) where only C was given"])
        fit.diagnostics = ParametricDiagnosis.diagnose(map: map, theta: x, targets: p.logL,
                                                       predictors: ["N": p.n, "D": p.d, "C": zip(p.n, p.d).map { 6 * $0 * $1 }],
                                                       notALaw: vanishingTerms(params, p)) { t in
            zip(p.logN, p.logD).map { logLoss(t, logN: $0, logD: $1) }
        }
        fit.range = FittedRange(n: p.n, d: p.d)
        if options.bootstrap > 0 {
            let runIndex = runIndices(p.runs)
            let starts = map.reduceStarts(bootstrapStarts(optimum: x, gridStarts: options.bootstrapGridStarts))
            let lbfgs = options.lbfgs, delta = options.huberDelta, screening = options.screening
            let (ci, summary, samples) = Bootstrap.run(runOfPoint: runIndex.indices, runCount: runIndex.count, resamples: options.bootstrap, seed: options.seed) { w in
                // Runs not drawn (weight 0, about 37% of them) are left out of the resample's
                // objective instead of being evaluated at weight 0 on every step.
                let kept = w.indices.filter { w[$0] > 0 }
                let obj = ChinchillaObjective(logN: PointBuffer(kept.map { p.logN[$0] }), logD: PointBuffer(kept.map { p.logD[$0] }),
                                              logL: PointBuffer(kept.map { p.logL[$0] }), weights: PointBuffer(kept.map { w[$0] }), delta: delta)
                let ws = LBFGSWorkspace(dimension: max(map.freeCount, 1), memory: lbfgs.memory)
                guard let r = map.serialBest(obj, reducedStarts: starts, options: lbfgs, workspace: ws, screening: screening) else { return nil }
                var out = named(r.theta)
                for (k, v) in derived(out) where k == "a" || k == "b" { out[k] = v }
                return out
            }
            fit.ci95 = ci
            fit.bootstrap = summary
            fit.bootstrapSamples = samples
        }
        return fit
    }

    /// A term that contributes less than 0.1% of the loss at every run (A/N^α → 0 as α → ∞,
    /// or → a constant as α → 0): the loss does not fall with that quantity in these data.
    static func vanishingTerms(_ params: [String: Double], _ p: Points) -> [String] {
        var out: [String] = []
        for (name, coef, exp, xs) in [("N", "A", "alpha", p.n), ("D", "B", "beta", p.d)] {
            guard let c = params[coef], let e = params[exp] else { continue }
            let terms = xs.map { c / Foundation.pow($0, e) }
            let spread = (terms.max() ?? 0) - (terms.min() ?? 0)
            if spread < 1e-3 * p.loss.min()! {
                out.append("the \(coef)/\(name)^\(exp) term does not change over the runs (\(exp) = \(fmt(e))): the loss does not fall with \(name) in these data")
            }
        }
        return out
    }

    /// log L̂ = LSE(a − α log N, b − β log D, e) at internal θ.
    static func logLoss(_ t: [Double], logN: Double, logD: Double) -> Double {
        let u = t[0] - t[3] * logN, v = t[1] - t[4] * logD, w = t[2]
        let m = max(u, v, w)
        return m + Foundation.log(Foundation.exp(u - m) + Foundation.exp(v - m) + Foundation.exp(w - m))
    }

    /// Warm start at the optimum, then `gridStarts` evenly spaced grid points (all of them at 4500).
    static func bootstrapStarts(optimum: [Double], gridStarts: Int) -> [Double] {
        let total = hoffmannGrid.count / 5
        var s = optimum
        let k = min(max(gridStarts, 0), total)
        for j in 0..<k {
            let idx = k == total ? j : (j * total) / k + total / (2 * k)
            s += hoffmannGrid[(idx * 5)..<(idx * 5 + 5)]
        }
        return s
    }

    static func named(_ x: [Double]) -> [String: Double] {
        ["A": Foundation.exp(x[0]), "B": Foundation.exp(x[1]), "E": Foundation.exp(x[2]), "alpha": x[3], "beta": x[4]]
    }

    public static func derived(_ p: [String: Double]) -> [String: Double] {
        let al = (p["alpha"] ?? .nan), be = (p["beta"] ?? .nan), A = (p["A"] ?? .nan), B = (p["B"] ?? .nan)
        return ["a": be / (al + be), "b": al / (al + be), "G": Foundation.pow(al * A / (be * B), 1 / (al + be))]
    }

    /// L(N, D) = E + A/N^α + B/D^β.
    public static func loss(_ p: [String: Double], n: Double, d: Double) -> Double {
        (p["E"] ?? .nan) + (p["A"] ?? .nan) / Foundation.pow(n, (p["alpha"] ?? .nan)) + (p["B"] ?? .nan) / Foundation.pow(d, (p["beta"] ?? .nan))
    }

    /// Compute-optimal N, D and loss for C FLOPs under C = 6ND.
    public static func optimalAllocation(_ p: [String: Double], compute c: Double) -> (n: Double, d: Double, loss: Double) {
        let dv = derived(p)
        let n = (dv["G"] ?? .nan) * Foundation.pow(c / 6, (dv["a"] ?? .nan))
        let d = Foundation.pow(c / 6, (dv["b"] ?? .nan)) / (dv["G"] ?? .nan)
        return (n, d, loss(p, n: n, d: d))
    }
}

/// Maps run names to 0..<count in first-seen order.
func runIndices(_ runs: [String]) -> (indices: [Int], count: Int) {
    var map: [String: Int] = [:]
    let idx = runs.map { r -> Int in
        if let i = map[r] { return i }
        map[r] = map.count
        return map.count - 1
    }
    return (idx, map.count)
}
