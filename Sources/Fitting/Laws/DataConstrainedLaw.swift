import Foundation
import Support

/// Data-constrained scaling, Muennighoff et al. (2023), §5 and App. B:
///
///     R_D = D/U_D − 1,  D′ = U_D + U_D·R*_D·(1 − exp(−R_D/R*_D))
///     U_N = min(N, N_opt(U_D)),  R_N = N/U_N − 1,  N′ = U_N + U_N·R*_N·(1 − exp(−R_N/R*_N))
///     L = E + A/N′^α + B/D′^β
///
/// with U_D the unique tokens (`U`), N_opt(U_D) = G·(G·U_D)^{β/α} the compute-optimal size for
/// U_D tokens under the base law (G as in approach 3). As in the paper, two stages: the base law
/// (E, A, B, α, β) is fitted with the approach-3 procedure on single-epoch runs (D ≤ U; refitted
/// once without those larger than N_opt(U), which carry the excess-parameter penalty), then
/// frozen while R*_D and R*_N are fitted on all runs (summed Huber δ = 1e-3 of log residuals,
/// L-BFGS from a grid over log R*).
public enum DataConstrainedLaw {
    static let decayParameterNames = ["R_D_star", "R_N_star"]

    struct Point { var uD: Double, rD: Double, uN: Double, rN: Double, logL: Double }

    struct Model: PointwiseModel {
        let pts: [Point], E: Double, A: Double, B: Double, alpha: Double, beta: Double
        var parameterCount: Int { 2 }
        var pointCount: Int { pts.count }
        // θ = (ln R*_D, ln R*_N); output log L̂.
        func output(_ i: Int, _ t: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
            let p = pts[i]
            let rsD = Foundation.exp(t[0]), rsN = Foundation.exp(t[1])
            let xD = p.rD / rsD, xN = p.rN / rsN
            let eD = Foundation.exp(-xD), eN = Foundation.exp(-xN)
            let dEff = p.uD * (1 + rsD * (1 - eD)), nEff = p.uN * (1 + rsN * (1 - eN))
            let tN = A * Foundation.pow(nEff, -alpha), tD = B * Foundation.pow(dEff, -beta)
            let l = E + tN + tD
            g[0] = -beta * tD / dEff * rsD * p.uD * ((1 - eD) - xD * eD) / l
            g[1] = -alpha * tN / nEff * rsN * p.uN * ((1 - eN) - xN * eN) / l
            return Foundation.log(l)
        }
        func target(_ i: Int) -> Double { pts[i].logL }
    }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        for o in obs where o[.U] == nil || o[.N] == nil || o[.D] == nil || o[.loss] == nil {
            throw ScaleLabError.data(path: o.source, reason: "law data-constrained needs N, D (or C), U (unique tokens) and loss for every row")
        }
        for o in obs where !(o[.U]! > 0 && o[.U]! <= o[.D]! * (1 + 1e-9)) {
            throw ScaleLabError.data(path: o.source, reason: "unique tokens U must be positive and at most D (U=\(o[.U]!), D=\(o[.D]!))")
        }
        let single = obs.filter { $0[.D]! <= $0[.U]! * (1 + 1e-9) }
        guard single.count >= 10 else {
            throw ScaleLabError.invalid("law data-constrained fits its base law on single-epoch runs (D = U) first: needs at least 10, got \(single.count)")
        }
        guard obs.count - single.count >= 3 else {
            throw ScaleLabError.invalid("law data-constrained needs at least 3 runs with repeated data (D > U); got \(obs.count - single.count)")
        }
        var baseOptions = options
        baseOptions.bootstrap = 0
        var base = try ChinchillaLaw.fit(single, options: baseOptions)
        // Single-epoch runs larger than N_opt(U) carry the excess-parameter penalty, which the
        // base law lacks: refit the base once without them (when 10 or more runs remain).
        let withinOptimum = single.filter { $0[.N]! <= optimalParams(base.params, uniqueTokens: $0[.U]!) }
        var baseRuns = single.count
        if withinOptimum.count >= 10 && withinOptimum.count < single.count {
            base = try ChinchillaLaw.fit(withinOptimum, options: baseOptions)
            baseRuns = withinOptimum.count
        }
        let bp = base.params
        let (model, out) = try fitDecayConstants(obs, base: bp, options: options)
        var params = bp
        params["R_D_star"] = Foundation.exp(out.best.x[0]); params["R_N_star"] = Foundation.exp(out.best.x[1])
        let observed = obs.map { $0[.loss]! }
        let predicted = obs.map { loss(params, n: $0[.N]!, d: $0[.D]!, unique: $0[.U]!) }
        var fit = LawFit(law: .dataConstrained, params: params, derived: ChinchillaLaw.derived(bp), nPoints: obs.count,
                         goodness: .of(observed: observed, predicted: predicted, objective: out.best.value),
                         residuals: (0..<obs.count).map { Residual(run: obs[$0].run, observed: observed[$0], predicted: predicted[$0]) },
                         settings: ["huber_delta": options.huberDelta, "base_runs": Double(baseRuns)],
                         notes: ["base law fitted (approach 3) on \(baseRuns) single-epoch runs with N <= N_opt(U), then frozen; R*_D, R*_N fitted on all \(obs.count) runs"])
        fit.diagnostics = base.diagnostics
        fit.diagnostics?.constraints.merge(["R_D_star": "fitted with the base law frozen", "R_N_star": "fitted with the base law frozen"]) { a, _ in a }
        if let d = fit.diagnostics { fit.notes.append("diagnostics are of the base law (stage 1)") ; _ = d }
        if options.bootstrap > 0 {
            let ri = runIndices(obs.map(\.run))
            let lbfgs = options.lbfgs, delta = options.huberDelta, warm = out.best.x
            let map = try decayReparametrization(options)
            let (ci, summary, samples) = Bootstrap.run(runOfPoint: ri.indices, runCount: ri.count, resamples: options.bootstrap, seed: options.seed) { w in
                let obj = HuberObjective(model: model, delta: delta, weights: PointBuffer(w))
                guard let r = map.serialBest(obj, reducedStarts: map.reduce(warm), options: lbfgs,
                                             workspace: LBFGSWorkspace(dimension: max(map.freeCount, 1), memory: lbfgs.memory)) else { return nil }
                return ["R_D_star": Foundation.exp(r.theta[0]), "R_N_star": Foundation.exp(r.theta[1])]
            }
            fit.ci95 = ci; fit.bootstrap = summary; fit.bootstrapSamples = samples
            fit.notes.append("bootstrap intervals are for R*_D and R*_N with the base law held fixed")
        }
        return fit
    }

    /// Stage 2: R*_D and R*_N with the base law (E, A, B, alpha, beta) held fixed.
    static func fitDecayConstants(_ obs: [Observation], base bp: [String: Double], options: FitOptions) throws -> (Model, MultiStart.Outcome) {
        let model = Model(pts: points(obs, base: bp), E: (bp["E"] ?? .nan), A: (bp["A"] ?? .nan), B: (bp["B"] ?? .nan), alpha: (bp["alpha"] ?? .nan), beta: (bp["beta"] ?? .nan))
        var starts: [Double] = []
        for d in [0.5, 5, 15, 50] as [Double] { for n in [0.5, 5, 15, 50] as [Double] { starts += [Foundation.log(d), Foundation.log(n)] } }
        let map = try decayReparametrization(options)
        let objective = HuberObjective(model: model, delta: options.huberDelta)
        guard let (theta, out) = map.minimize(objective, starts: starts, options: options.lbfgs) else {
            throw ScaleLabError.invalid("law data-constrained: no start reached a finite objective")
        }
        var outcome = out
        outcome.best.x = theta  // callers read θ = (ln R*_D, ln R*_N)
        return (model, outcome)
    }

    /// θ = (ln R*_D, ln R*_N) under the user's fixes and bounds on them.
    static func decayReparametrization(_ options: FitOptions) throws -> Reparametrization {
        try Reparametrization(decayParameterNames.map { LawParameter.logCoefficient($0) },
                              options.constraints.restricted(to: decayParameterNames), law: .dataConstrained)
    }

    static func points(_ obs: [Observation], base p: [String: Double]) -> [Point] {
        obs.map { o in
            let n = o[.N]!, d = o[.D]!, u = o[.U]!
            let uN = min(n, optimalParams(p, uniqueTokens: u))
            return Point(uD: u, rD: max(0, d / u - 1), uN: uN, rN: max(0, n / uN - 1), logL: Foundation.log(o[.loss]!))
        }
    }

    /// N_opt(U_D) = G·(G·U_D)^{β/α}: the compute-optimal model size for U_D tokens.
    static func optimalParams(_ p: [String: Double], uniqueTokens u: Double) -> Double {
        let g = (ChinchillaLaw.derived(p)["G"] ?? .nan)
        return g * Foundation.pow(g * u, (p["beta"] ?? .nan) / (p["alpha"] ?? .nan))
    }

    public static func loss(_ p: [String: Double], n: Double, d: Double, unique u: Double) -> Double {
        let uN = min(n, optimalParams(p, uniqueTokens: u))
        let rD = max(0, d / u - 1), rN = max(0, n / uN - 1)
        let rsD = (p["R_D_star"] ?? .nan), rsN = (p["R_N_star"] ?? .nan)
        let dEff = u * (1 + rsD * (1 - Foundation.exp(-rD / rsD))), nEff = uN * (1 + rsN * (1 - Foundation.exp(-rN / rsN)))
        return (p["E"] ?? .nan) + (p["A"] ?? .nan) / Foundation.pow(nEff, (p["alpha"] ?? .nan)) + (p["B"] ?? .nan) / Foundation.pow(dEff, (p["beta"] ?? .nan))
    }
}
