import Foundation
import Support

/// Learning-rate annealing law, Tissue et al. (2024), §3:
///
///     L(s) = L0 + A·S1(s)^(−α) − C·S2(s)
///     S1(s) = Σ_{i≤s} η_i                                   (forward area)
///     m_i = λ·m_{i−1} + (η_{i−1} − η_i),  S2(s) = Σ_{i≤s} m_i  (annealing area, λ = 0.999)
///
/// Conventions (the paper leaves them open): η_i is the learning rate of update i, rebuilt for
/// every step by linear interpolation of every logged (step, lr) pair (the loss is fitted where it
/// was measured); S1 includes warmup steps;
/// the momentum m starts at 0 at the step where the learning rate first peaks, so warmup's LR
/// increases do not count as (negative) annealing. Fitted on whole curves (one or more runs) by
/// summed Huber (δ = 1e-3) of log residuals with L-BFGS over a small start grid, with S1 and S2
/// scaled by max S1 inside the fit; reported A and C are in raw learning-rate units.
public enum AnnealingLaw {
    /// S1 and S2 at each of `steps` (ascending) for the schedule given by logged (step, lr) pairs.
    public static func areas(loggedSteps: [Double], loggedLR: [Double], at steps: [Double], lambda: Double) -> (s1: [Double], s2: [Double]) {
        let order = loggedSteps.indices.sorted { loggedSteps[$0] < loggedSteps[$1] }
        let xs = order.map { loggedSteps[$0] }, ys = order.map { loggedLR[$0] }
        let last = Int((steps.max() ?? 0).rounded())
        func lr(_ s: Double) -> Double {
            if s <= xs.first! { return ys.first! }
            if s >= xs.last! { return ys.last! }
            var lo = 0, hi = xs.count - 1
            while hi - lo > 1 { let mid = (lo + hi) / 2; if xs[mid] <= s { lo = mid } else { hi = mid } }
            return ys[lo] + (s - xs[lo]) / (xs[hi] - xs[lo]) * (ys[hi] - ys[lo])
        }
        var peakStep = 1, peak = -Double.infinity
        for s in 1...max(last, 1) { let v = lr(Double(s)); if v > peak { peak = v; peakStep = s } }
        var s1 = [Double](repeating: 0, count: max(last, 0) + 1), s2 = s1
        var a1 = 0.0, a2 = 0.0, m = 0.0, prev = lr(1)
        if last >= 1 {
            for s in 1...last {
                let eta = lr(Double(s))
                a1 += eta
                if s > peakStep { m = lambda * m + (prev - eta); a2 += m }
                prev = eta
                s1[s] = a1; s2[s] = a2
            }
        }
        return (steps.map { s1[max(0, min(last, Int($0.rounded())))] }, steps.map { s2[max(0, min(last, Int($0.rounded())))] })
    }

    struct Model: PointwiseModel {
        let logS1: [Double], s2: [Double], logL: [Double]
        var parameterCount: Int { 4 }
        var pointCount: Int { logL.count }
        // θ = (ln L0, ln A, ln α, ln C); output log L̂.
        func output(_ i: Int, _ t: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
            let l0 = Foundation.exp(t[0]), al = Foundation.exp(t[2]), c = Foundation.exp(t[3])
            let p = Foundation.exp(t[1] - al * logS1[i])
            let q = c * s2[i]
            let l = l0 + p - q
            guard l > 0 else { return .nan }
            g[0] = l0 / l; g[1] = p / l; g[2] = -p * logS1[i] * al / l; g[3] = -q / l
            return Foundation.log(l)
        }
        func target(_ i: Int) -> Double { logL[i] }
    }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        // Every row with a learning rate describes the schedule; the rows with a loss (validation
        // steps) are fitted. The areas come from the whole logged schedule, as in `predictCurve`:
        // rebuilt from the validation steps alone, a curve's warmup and decay were integrated
        // coarser in the fit than in the prediction (lab 03).
        var byRun: [String: [(step: Double, lr: Double, loss: Double?)]] = [:], order: [String] = []
        for o in obs {
            guard let step = o[.step], let lr = o[.lr] else {
                throw ScaleLabError.data(path: o.source, reason: "law annealing needs step and lr on every curve row, and loss where it was measured (training curves: metrics.csv, or a CSV with run, step, lr, loss)")
            }
            if let l = o[.loss], !(l > 0) { throw ScaleLabError.data(path: o.source, reason: "loss must be positive for law annealing (fitted in log space)") }
            if byRun[o.run] == nil { order.append(o.run) }
            byRun[o.run, default: []].append((step, lr, o[.loss]))
        }
        var s1: [Double] = [], s2: [Double] = [], loss: [Double] = [], runs: [String] = []
        for run in order {
            let rows = byRun[run]!.sorted { $0.step < $1.step }
            let measured = rows.filter { $0.loss != nil }
            guard !measured.isEmpty else { continue }
            let (a1, a2) = areas(loggedSteps: rows.map(\.step), loggedLR: rows.map(\.lr), at: measured.map(\.step), lambda: options.annealingLambda)
            for k in measured.indices where a1[k] > 0 { s1.append(a1[k]); s2.append(a2[k]); loss.append(measured[k].loss!); runs.append(run) }
        }
        guard loss.count >= 8 else { throw ScaleLabError.invalid("law annealing needs at least 8 curve points after step 0; got \(loss.count)") }
        let scale = s1.max()!
        let model = Model(logS1: s1.map { Foundation.log($0 / scale) }, s2: s2.map { $0 / scale }, logL: loss.map { Foundation.log($0) })
        let starts = startGrid(loss: loss, s2n: s2.map { $0 / scale })
        let objective = HuberObjective(model: model, delta: options.huberDelta)
        let map = try Reparametrization(parameters(smallestLoss: loss.min()!), options.constraints, law: .annealing)
        guard let (theta, out) = map.minimize(objective, starts: starts, options: options.lbfgs) else {
            throw ScaleLabError.invalid("law annealing: no start reached a finite objective")
        }
        let params = rawParams(theta, scale: scale)
        let predicted = zip(s1, s2).map { lossAt(params, s1: $0, s2: $1) }
        var fit = LawFit(law: .annealing, params: params, nPoints: loss.count,
                         goodness: .of(observed: loss, predicted: predicted, objective: out.best.value),
                         residuals: (0..<loss.count).map { Residual(run: runs[$0], observed: loss[$0], predicted: predicted[$0]) },
                         settings: ["lambda": options.annealingLambda, "huber_delta": options.huberDelta, "curves": Double(order.count)],
                         notes: ["L(s) = L0 + A*S1^-alpha - C*S2; S1 includes warmup; momentum of S2 starts at the LR peak; lr interpolated between logged steps"])
        fit.diagnostics = ParametricDiagnosis.diagnose(map: map, theta: theta, targets: model.logL, predictors: [:], reported: params) {
            ConstrainedLeastSquares.outputs(model, $0)
        }
        if options.bootstrap > 0 {
            guard order.count >= 3 else { throw ScaleLabError.invalid("--bootstrap resamples runs; law annealing has \(order.count) curve(s), needs 3 or more") }
            let ri = runIndices(runs)
            let lbfgs = options.lbfgs, delta = options.huberDelta
            let warm = map.reduce(theta)
            let (ci, summary, samples) = Bootstrap.run(runOfPoint: ri.indices, runCount: ri.count, resamples: options.bootstrap, seed: options.seed) { w in
                let obj = HuberObjective(model: model, delta: delta, weights: PointBuffer(w))
                guard let r = map.serialBest(obj, reducedStarts: warm, options: lbfgs, workspace: LBFGSWorkspace(dimension: max(map.freeCount, 1), memory: lbfgs.memory)) else { return nil }
                return rawParams(r.theta, scale: scale)
            }
            fit.ci95 = ci; fit.bootstrap = summary; fit.bootstrapSamples = samples
        }
        return fit
    }

    /// Names `--fix`/`--bound` accept: A and C are fitted in units scaled by max S1 (A's scale
    /// depends on α), so only L0 and α are constrained in their own units.
    public static let parameterNames = ["L0", "alpha"]

    /// θ = (ln L0, ln A_scaled, ln α, ln C_scaled). L0 is positive but may exceed the smallest
    /// loss: annealing (−C·S2) takes the curve below L0 + A·S1^−α.
    static func parameters(smallestLoss: Double) -> [LawParameter] {
        [LawParameter("L0", .log, .irreducible, lower: 0), .logCoefficient("A_scaled"), LawParameter("alpha", .log, .exponent), .logCoefficient("C_scaled")]
    }

    static func startGrid(loss: [Double], s2n: [Double]) -> [Double] {
        let minL = loss.min()!, maxL = loss.max()!, spread = max(maxL - minL, 1e-3 * minL)
        let maxS2 = max(s2n.max() ?? 0, 1e-12)
        var s: [Double] = []
        for f0 in [0.5, 0.8, 0.95] { for fa in [0.1, 1.0] { for al in [0.2, 0.5, 1.0] { for fc in [0.01, 0.3] {
            s += [Foundation.log(f0 * minL), Foundation.log(fa * spread), Foundation.log(al), Foundation.log(fc * spread / maxS2)]
        } } } }
        return s
    }

    /// Scaled-fit θ to raw parameters: A·(S1/s)^−α = (A·s^α)·S1^−α, C·S2/s = (C/s)·S2.
    static func rawParams(_ x: [Double], scale: Double) -> [String: Double] {
        let al = Foundation.exp(x[2])
        return ["L0": Foundation.exp(x[0]), "A": Foundation.exp(x[1]) * Foundation.pow(scale, al), "alpha": al, "C": Foundation.exp(x[3]) / scale]
    }

    public static func lossAt(_ p: [String: Double], s1: Double, s2: Double) -> Double {
        (p["L0"] ?? .nan) + (p["A"] ?? .nan) * Foundation.pow(s1, -(p["alpha"] ?? .nan)) - (p["C"] ?? .nan) * s2
    }

    /// Predicted loss at each step of another schedule (logged (step, lr) pairs).
    public static func predictCurve(_ fit: LawFit, steps: [Double], lr: [Double]) -> [Double] {
        let (s1, s2) = areas(loggedSteps: steps, loggedLR: lr, at: steps, lambda: fit.settings["lambda"] ?? 0.999)
        return zip(s1, s2).map { $0 > 0 ? lossAt(fit.params, s1: $0, s2: $1) : .nan }
    }
}
