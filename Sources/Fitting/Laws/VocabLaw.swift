import Foundation
import Support

/// Vocabulary scaling, Tao et al. (2024) approach 3:
///
///     L_u(N_nv, N_v, D) = −E + A₁/N_nv^α + A₂/N_v^α₂ + B/D^α      (α₁ = β = α, as in the paper)
///
/// with L_u the unigram-normalised loss (map `loss` to it; plain cross-entropy also works),
/// N_nv the non-vocabulary parameters (`N`: for runs directories map N=n_params_non_embedding),
/// and D the training data (tokens by default; map D to a characters column for the paper's H).
///
/// **Vocabulary-parameter convention:** N_v = V·d — one V×d matrix, i.e. a tied input/output
/// embedding, which is what Tao et al.'s FLOP count 6(N_nv + V·d)D and their N_v use (their code
/// also subtracts a second V·d when computing N_nv for untied models; we do not). Give `Nv`
/// directly to use another convention. FLOPs are 6(N_nv + N_v)D.
///
/// Fitted like the paper: summed Huber (δ = 1e-3) on the raw (not log) residual, L-BFGS from a
/// grid of starts, in normalised units (N_nv and N_v in millions, D in billions); reported
/// parameters are converted back to raw units.
public enum VocabLaw {
    static let nScale = 1e6, nvScale = 1e6, dScale = 1e9

    struct Model: PointwiseModel {
        let logN: [Double], logNv: [Double], logD: [Double], loss: [Double]
        var parameterCount: Int { 6 }
        var pointCount: Int { loss.count }
        // θ = (E, ln A₁, ln A₂, ln B, α, α₂).
        func output(_ i: Int, _ t: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
            let t1 = Foundation.exp(t[1] - t[4] * logN[i]), t2 = Foundation.exp(t[2] - t[5] * logNv[i]), t3 = Foundation.exp(t[3] - t[4] * logD[i])
            g[0] = -1; g[1] = t1; g[2] = t2; g[3] = t3
            g[4] = -t1 * logN[i] - t3 * logD[i]; g[5] = -t2 * logNv[i]
            return -t[0] + t1 + t2 + t3
        }
        func target(_ i: Int) -> Double { loss[i] }
    }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        var lN: [Double] = [], lNv: [Double] = [], lD: [Double] = [], loss: [Double] = [], runs: [String] = []
        for o in obs {
            guard let n = o[.N], let nv = o[.Nv], let d = o[.D], let l = o[.loss] else {
                throw ScaleLabError.data(path: o.source, reason: "law vocab needs N (non-vocabulary parameters), V and d (or Nv = V·d), D (or C) and loss; this row lacks \([Quantity.N, .Nv, .D, .loss].filter { o[$0] == nil }.map { $0 == .Nv ? "V and d (or Nv)" : $0.rawValue }.joined(separator: ", "))")
            }
            guard n > 0, nv > 0, d > 0 else { throw ScaleLabError.data(path: o.source, reason: "N, Nv and D must be positive") }
            lN.append(Foundation.log(n / nScale)); lNv.append(Foundation.log(nv / nvScale)); lD.append(Foundation.log(d / dScale))
            loss.append(l); runs.append(o.run)
        }
        guard loss.count >= 12 else { throw ScaleLabError.invalid("law vocab needs at least 12 runs (6 parameters); got \(loss.count)") }
        guard Set(lNv).count >= 3, Set(lN).count >= 2, Set(lD).count >= 2 else {
            throw ScaleLabError.invalid("law vocab needs 3 or more vocabulary sizes and several model sizes and data sizes")
        }
        let model = Model(logN: lN, logNv: lNv, logD: lD, loss: loss)
        let starts = startGrid(minLoss: loss.min()!)
        let objective = HuberObjective(model: model, delta: options.huberDelta)
        let map = try Reparametrization(parameters(smallestLoss: loss.min()!), options.constraints, law: .vocab)
        guard let (theta, out) = map.minimize(objective, starts: starts, options: options.lbfgs) else {
            throw ScaleLabError.invalid("law vocab: no start reached a finite objective")
        }
        let params = rawParams(theta)
        let predicted = obs.map { self.loss(params, n: $0[.N]!, nv: $0[.Nv]!, d: $0[.D]!) }
        var fit = LawFit(law: .vocab, params: params, nPoints: loss.count,
                         goodness: .of(observed: loss, predicted: predicted, objective: out.best.value),
                         residuals: (0..<loss.count).map { Residual(run: runs[$0], observed: loss[$0], predicted: predicted[$0]) },
                         settings: ["huber_delta": options.huberDelta, "starts": Double(out.totalStarts)],
                         notes: ["L_u = -E + A1/N_nv^alpha + A2/N_v^alpha2 + B/D^alpha; N_v = V*d (one tied V x d embedding); FLOPs = 6(N_nv + N_v)D",
                                 "raw-residual Huber as Tao et al.; parameters in raw units (N, N_v, D as given)"])
        fit.diagnostics = ParametricDiagnosis.diagnose(map: map, theta: theta, targets: loss, predictors: ["N": obs.map { $0[.N]! }, "D": obs.map { $0[.D]! }],
                                                       reported: params) { ConstrainedLeastSquares.outputs(model, $0) }
        if options.bootstrap > 0 {
            let ri = runIndices(runs)
            let lbfgs = options.lbfgs, delta = options.huberDelta
            let warm = map.reduceStarts(theta + Array(starts.prefix(6 * 8)))
            let (ci, summary, samples) = Bootstrap.run(runOfPoint: ri.indices, runCount: ri.count, resamples: options.bootstrap, seed: options.seed) { w in
                let obj = HuberObjective(model: model, delta: delta, weights: PointBuffer(w))
                guard let r = map.serialBest(obj, reducedStarts: warm, options: lbfgs, workspace: LBFGSWorkspace(dimension: max(map.freeCount, 1), memory: lbfgs.memory)) else { return nil }
                return rawParams(r.theta)
            }
            fit.ci95 = ci; fit.bootstrap = summary; fit.bootstrapSamples = samples
        }
        return fit
    }

    /// Names `--fix`/`--bound` accept (A1, A2, B are fitted in normalised units whose scale
    /// depends on the exponents).
    public static let parameterNames = ["E", "alpha", "alpha2"]

    /// θ = (E, ln A1, ln A2, ln B in normalised units, α, α2); the floor −E at most the smallest loss.
    static func parameters(smallestLoss: Double) -> [LawParameter] {
        [LawParameter("E", .linear, .irreducible, lower: -smallestLoss), .logCoefficient("A1_scaled"), .logCoefficient("A2_scaled"),
         .logCoefficient("B_scaled"), .exponent("alpha"), .exponent("alpha2")]
    }

    static func startGrid(minLoss: Double) -> [Double] {
        var s: [Double] = []
        for e in [-minLoss + 0.5, -minLoss + 2] {
            for a1 in [0.0, 2.0] { for a2 in [-1.0, 1.0] { for b in [0.0, 2.0] {
                for al in [0.2, 0.5, 0.8] { for al2 in [0.2, 0.5, 0.8] { s += [e, a1, a2, b, al, al2] } }
            } } }
        }
        return s
    }

    /// Normalised-unit θ to raw-unit parameters: A/(X/s)^α = (A·s^α)/X^α.
    static func rawParams(_ x: [Double]) -> [String: Double] {
        ["E": x[0], "alpha": x[4], "alpha2": x[5],
         "A1": Foundation.exp(x[1]) * Foundation.pow(nScale, x[4]),
         "A2": Foundation.exp(x[2]) * Foundation.pow(nvScale, x[5]),
         "B": Foundation.exp(x[3]) * Foundation.pow(dScale, x[4])]
    }

    public static func loss(_ p: [String: Double], n: Double, nv: Double, d: Double) -> Double {
        -(p["E"] ?? .nan) + (p["A1"] ?? .nan) / Foundation.pow(n, (p["alpha"] ?? .nan)) + (p["A2"] ?? .nan) / Foundation.pow(nv, (p["alpha2"] ?? .nan)) + (p["B"] ?? .nan) / Foundation.pow(d, (p["alpha"] ?? .nan))
    }

    /// The vocabulary size minimising the loss at fixed compute C for a model with N_nv
    /// non-vocabulary parameters and width d (D = C / (6(N_nv + V·d))), by golden-section search
    /// over log V in [16, 1e8].
    public static func optimalVocabulary(_ p: [String: Double], nonVocabParams n: Double, width d: Double, compute c: Double) -> (v: Double, tokens: Double, loss: Double) {
        func f(_ lv: Double) -> Double {
            let v = Foundation.exp(lv)
            return loss(p, n: n, nv: v * d, d: c / (6 * (n + v * d)))
        }
        var a = Foundation.log(16.0), b = Foundation.log(1e8)
        let r = (5.0.squareRoot() - 1) / 2
        var x1 = b - r * (b - a), x2 = a + r * (b - a), f1 = f(x1), f2 = f(x2)
        for _ in 0..<200 where b - a > 1e-10 {
            if f1 < f2 { b = x2; x2 = x1; f2 = f1; x1 = b - r * (b - a); f1 = f(x1) }
            else { a = x1; x1 = x2; f1 = f2; x2 = a + r * (b - a); f2 = f(x2) }
        }
        let v = Foundation.exp((a + b) / 2)
        return (v, c / (6 * (n + v * d)), loss(p, n: n, nv: v * d, d: c / (6 * (n + v * d))))
    }
}
