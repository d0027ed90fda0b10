import Foundation
import Support

/// Over-training law of Gadre et al. (2024), eq. 4: with M = D/N the tokens-per-parameter
/// multiplier and C = 6ND,
///
///     L(C, M) = E + (a·M^η + b·M^(−η))·C^(−η)
///
/// (the Chinchilla form with α = β = 2η: at fixed M the loss is a power law in C whose exponent
/// does not depend on M, so small over-trained runs predict large ones). Fitted by
/// Levenberg–Marquardt least squares on log loss from a grid of starts, E between 0 and the
/// smallest loss by default.
public enum OvertrainingLaw {
    public static let parameterNames = ["E", "a", "b", "eta"]

    static func parameters(smallestLoss: Double) -> [LawParameter] {
        [.irreducible("E", smallestLoss: smallestLoss), .logCoefficient("a"), .logCoefficient("b"), .exponent("eta")]
    }

    struct Model: PointwiseModel {
        let logM: [Double], logC: [Double], logL: [Double]
        var parameterCount: Int { 4 }
        var pointCount: Int { logL.count }
        // θ = (ln E, ln a, ln b, η); output log L̂.
        func output(_ i: Int, _ t: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
            let e = Foundation.exp(t[0]), eta = t[3]
            let pa = Foundation.exp(t[1] + eta * (logM[i] - logC[i])), pb = Foundation.exp(t[2] - eta * (logM[i] + logC[i]))
            let l = e + pa + pb
            guard l > 0, l.isFinite else { return .nan }
            g[0] = e / l; g[1] = pa / l; g[2] = pb / l
            g[3] = (pa * (logM[i] - logC[i]) - pb * (logM[i] + logC[i])) / l
            return Foundation.log(l)
        }
        func target(_ i: Int) -> Double { logL[i] }
    }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        let p = try ChinchillaLaw.points(obs, law: .overtraining)
        let m = zip(p.d, p.n).map { $0 / $1 }, c = zip(p.n, p.d).map { 6 * $0 * $1 }
        guard p.loss.count >= 6, Set(m.map { ($0 * 1e6).rounded() }).count >= 2, Set(c).count >= 2 else {
            throw ScaleLabError.invalid("law overtraining needs at least 6 runs at 2 or more tokens-per-parameter ratios M = D/N and several compute budgets; got \(p.loss.count) runs")
        }
        let minL = p.loss.min()!
        let map = try Reparametrization(parameters(smallestLoss: minL), options.constraints, law: .overtraining)
        let logM = m.map { Foundation.log($0) }, logC = c.map { Foundation.log($0) }
        let model = Model(logM: logM, logC: logC, logL: p.logL)
        // Starts put each reducible term at a share of the loss above E at the median run.
        let midC = logC.sorted()[logC.count / 2], midM = logM.sorted()[logM.count / 2]
        var starts: [[Double]] = []
        for fe in [0.2, 0.6, 0.9] { for eta in [0.05, 0.15, 0.3, 0.6] { for share in [0.1, 0.5, 0.9] {
            let reducible = max(minL * (1 - fe), 1e-6)
            starts.append([Foundation.log(fe * minL), Foundation.log(share * reducible) + eta * (midC - midM),
                           Foundation.log((1 - share) * reducible) + eta * (midC + midM), eta])
        } } }
        guard let (theta, value) = ConstrainedLeastSquares.fit(model, map: map, starts: starts) else {
            throw ScaleLabError.invalid("law overtraining: no start converged")
        }
        let params = map.natural(theta)
        let predicted = zip(p.n, p.d).map { loss(params, n: $0, d: $1) }
        var fit = LawFit(law: .overtraining, params: params, derived: ["alpha_equivalent": 2 * (params["eta"] ?? .nan)], nPoints: p.loss.count,
                         goodness: .of(observed: p.loss, predicted: predicted, objective: value),
                         residuals: (0..<p.loss.count).map { Residual(run: p.runs[$0], observed: p.loss[$0], predicted: predicted[$0]) },
                         settings: ["starts": Double(starts.count)],
                         notes: ["L(C, M) = E + (a M^eta + b M^-eta) C^-eta with M = D/N, C = 6ND (Gadre et al. 2024); Levenberg-Marquardt on log loss; alpha_equivalent = 2 eta is the Chinchilla exponent alpha = beta"])
        fit.diagnostics = ParametricDiagnosis.diagnose(map: map, theta: theta, targets: p.logL,
                                                       predictors: ["M": m, "C": c]) { ConstrainedLeastSquares.outputs(model, $0) }
        fit.range = FittedRange(["N": p.n, "D": p.d, "C": c, "M": m])
        return fit
    }

    public static func loss(_ p: [String: Double], n: Double, d: Double) -> Double {
        guard let e = p["E"], let a = p["a"], let b = p["b"], let eta = p["eta"] else { return .nan }
        let m = d / n, c = 6 * n * d
        return e + (a * Foundation.pow(m, eta) + b * Foundation.pow(m, -eta)) * Foundation.pow(c, -eta)
    }
}
