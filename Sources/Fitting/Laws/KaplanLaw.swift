import Foundation
import Support

/// Kaplan et al. (2020) single-variable power laws, fitted by Levenberg–Marquardt least
/// squares on log loss:
///
///     L(X) = (X_c / X)^α_X            (X = N, D or C; eqs. 1.1–1.3)
///     L(X) = E + (X_c / X)^α_X        (with --irreducible)
///
/// Points used: for L(N) the lowest loss at each model size (closest to convergence), for L(D)
/// the lowest loss at each token count (largest model), for L(C) the compute-efficient frontier
/// (runs whose loss is below every run of smaller compute).
public enum KaplanLaw {
    struct Model: PointwiseModel {
        let logX: [Double], logL: [Double], irreducible: Bool
        var parameterCount: Int { irreducible ? 3 : 2 }
        var pointCount: Int { logX.count }
        // θ = (log X_c, α[, log E]); output log L̂.
        func output(_ i: Int, _ t: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
            let u = t[1] * (t[0] - logX[i])
            guard irreducible else { g[0] = t[1]; g[1] = t[0] - logX[i]; return u }
            let p = Foundation.exp(u), e = Foundation.exp(t[2]), s = p + e
            g[0] = p * t[1] / s; g[1] = p * (t[0] - logX[i]) / s; g[2] = e / s
            return Foundation.log(s)
        }
        func target(_ i: Int) -> Double { logL[i] }
    }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> [LawFit] {
        for o in obs {
            guard let l = o[.loss], l > 0 else { throw ScaleLabError.data(path: o.source, reason: "loss must be positive for law kaplan (fitted in log space)") }
        }
        var fits: [LawFit] = []
        var reasons: [String] = []
        for q in [Quantity.N, .D, .C] {
            guard obs.allSatisfy({ ($0[q] ?? 0) > 0 }) else { reasons.append("\(q.rawValue): not every row has a positive \(q.rawValue)"); continue }
            let pts = points(obs, q)
            let need = options.kaplanIrreducible ? 4 : 3
            guard pts.count >= need else { reasons.append("\(q.rawValue): \(pts.count) usable points, need \(need)"); continue }
            fits.append(try fitVariable(q, pts, options: options))
        }
        guard !fits.isEmpty else {
            throw ScaleLabError.invalid("law kaplan needs at least 3 distinct values of N, D or C (4 with --irreducible), with losses: " + reasons.joined(separator: "; "))
        }
        return fits
    }

    /// The points Kaplan's fit of L(X) uses (see the type's comment).
    static func points(_ obs: [Observation], _ q: Quantity) -> [Observation] {
        if q == .C {
            var out: [Observation] = []
            var best = Double.infinity
            for o in obs.sorted(by: { ($0[.C]!, $0[.loss]!) < ($1[.C]!, $1[.loss]!) }) where o[.loss]! < best {
                best = o[.loss]!
                out.append(o)
            }
            return out
        }
        var byX: [Double: Observation] = [:]
        for o in obs where byX[o[q]!] == nil || o[.loss]! < byX[o[q]!]![.loss]! { byX[o[q]!] = o }
        return byX.keys.sorted().map { byX[$0]! }
    }

    /// Parameters of L(X) in the optimiser's order θ = (ln X_c, α[, ln E]).
    static func parameters(_ q: Quantity, irreducible: Bool, smallestLoss: Double) -> [LawParameter] {
        var p: [LawParameter] = [.logCoefficient("\(q.rawValue)_c"), .exponent("alpha_\(q.rawValue)")]
        if irreducible { p.append(.irreducible("E", smallestLoss: smallestLoss)) }
        return p
    }

    /// Every name `--fix`/`--bound` may use with law kaplan.
    static func parameterNames(irreducible: Bool) -> [String] {
        [Quantity.N, .D, .C].flatMap { parameters($0, irreducible: irreducible, smallestLoss: 1).map(\.name) }.uniqued()
    }

    static func fitVariable(_ q: Quantity, _ pts: [Observation], options: FitOptions) throws -> LawFit {
        let logX = pts.map { Foundation.log($0[q]!) }, logL = pts.map { Foundation.log($0[.loss]!) }
        let observed = pts.map { $0[.loss]! }
        let names = parameters(q, irreducible: options.kaplanIrreducible, smallestLoss: 1).map(\.name)
        let map = try Reparametrization(parameters(q, irreducible: options.kaplanIrreducible, smallestLoss: observed.min()!),
                                        options.constraints.restricted(to: names), law: .kaplan)
        let model = Model(logX: logX, logL: logL, irreducible: options.kaplanIrreducible)
        // Start from the straight line through the log-log points (exact without E).
        let line = DenseSolve.leastSquares(logX.flatMap { [1, $0] }, logL, rows: logX.count, columns: 2) ?? [0, -0.1]
        let alpha0 = -line[1], c0 = alpha0 != 0 ? line[0] / alpha0 : 30
        var starts: [[Double]] = [[c0, alpha0], [c0, 0.1], [Foundation.log(pts.map { $0[q]! }.max()!) + 20, 0.1]]
        if options.kaplanIrreducible {
            let minL = observed.min()!
            starts = [0.1, 0.5, 0.9].flatMap { f in starts.map { $0 + [Foundation.log(f * minL)] } }
        }
        guard let (theta, value) = ConstrainedLeastSquares.fit(model, map: map, starts: starts) else {
            throw ScaleLabError.invalid("law kaplan: the fit of L(\(q.rawValue)) did not converge")
        }
        let params = map.natural(theta)
        let predicted = pts.map { loss(params, variable: q, x: $0[q]!) }
        var fit = LawFit(law: .kaplan, variable: q.rawValue, params: params, nPoints: pts.count,
                         goodness: .of(observed: observed, predicted: predicted, objective: value),
                         residuals: zip(pts, predicted).map { Residual(run: $0.run, observed: $0[.loss]!, predicted: $1) },
                         settings: ["irreducible": options.kaplanIrreducible ? 1 : 0],
                         notes: [q == .C ? "L(C) on the compute-efficient frontier (runs below every run of smaller C)"
                                         : "lowest loss at each distinct \(q.rawValue)", "Levenberg-Marquardt least squares on log loss"])
        // Loss that does not fall with X (log-log slope ≥ 0) has no power law in X to find.
        let notALaw = line[1] >= 0 ? ["the loss does not fall with \(q.rawValue) (log-log slope \(String(format: "%+.3g", line[1])))"] : []
        fit.diagnostics = ParametricDiagnosis.diagnose(map: map, theta: theta, targets: logL, predictors: [q.rawValue: pts.map { $0[q]! }], notALaw: notALaw) {
            ConstrainedLeastSquares.outputs(model, $0)
        }
        fit.range = FittedRange([q.rawValue: pts.map { $0[q]! }])
        return fit
    }

    /// L(X) = [E +] (X_c/X)^α.
    public static func loss(_ p: [String: Double], variable q: Quantity, x: Double) -> Double {
        (p["E"] ?? 0) + Foundation.pow((p["\(q.rawValue)_c"] ?? .nan) / x, p["alpha_\(q.rawValue)"] ?? .nan)
    }
}
