import Foundation
import Support

/// Kaplan et al. (2020) joint law of model size and data (eq. 1.5 / 4.1):
///
///     L(N, D) = [ (N_c/N)^(α_N/α_D) + D_c/D ]^α_D
///
/// fitted by Levenberg–Marquardt least squares on log loss, as Kaplan's single-variable laws,
/// from a grid of starts; log L̂ = α_D·LSE(r(ln N_c − ln N), ln D_c − ln D) with r = α_N/α_D.
/// Kaplan's N is non-embedding parameters: map N=n_params_non_embedding for his convention.
public enum KaplanJointLaw {
    public static let parameterNames = ["N_c", "D_c", "alpha_N", "alpha_D"]
    static let parameters: [LawParameter] = [.logCoefficient("N_c"), .logCoefficient("D_c"), .exponent("alpha_N"), .exponent("alpha_D")]

    struct Model: PointwiseModel {
        let logN: [Double], logD: [Double], logL: [Double]
        var parameterCount: Int { 4 }
        var pointCount: Int { logL.count }
        // θ = (ln N_c, ln D_c, α_N, α_D); output log L̂.
        func output(_ i: Int, _ t: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
            let aN = t[2], aD = t[3]
            guard aD != 0 else { return .nan }
            let r = aN / aD, xn = t[0] - logN[i]
            let u = r * xn, v = t[1] - logD[i]
            let m = max(u, v)
            let eu = Foundation.exp(u - m), ev = Foundation.exp(v - m), s = eu + ev
            let lse = m + Foundation.log(s)
            let pu = eu / s, pv = ev / s
            g[0] = aN * pu
            g[1] = aD * pv
            g[2] = pu * xn
            g[3] = lse - pu * r * xn
            return aD * lse
        }
        func target(_ i: Int) -> Double { logL[i] }
    }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        let p = try ChinchillaLaw.points(obs, law: .kaplanJoint)
        guard p.loss.count >= 6, Set(p.n).count >= 2, Set(p.d).count >= 2 else {
            throw ScaleLabError.invalid("law kaplan-joint needs at least 6 runs at several model sizes N and token counts D; got \(p.loss.count)")
        }
        let map = try Reparametrization(parameters, options.constraints, law: .kaplanJoint)
        let model = Model(logN: p.logN, logD: p.logD, logL: p.logL)
        let lnMaxN = p.logN.max()!, lnMaxD = p.logD.max()!
        var starts: [[Double]] = []
        for cn in [2.0, 8, 20] { for cd in [2.0, 8, 20] { for aN in [0.05, 0.2, 0.5] { for aD in [0.05, 0.2, 0.5] {
            starts.append([lnMaxN + cn, lnMaxD + cd, aN, aD])
        } } } }
        guard let (theta, value) = ConstrainedLeastSquares.fit(model, map: map, starts: starts) else {
            throw ScaleLabError.invalid("law kaplan-joint: no start converged")
        }
        let params = map.natural(theta)
        let predicted = zip(p.n, p.d).map { loss(params, n: $0, d: $1) }
        var fit = LawFit(law: .kaplanJoint, params: params, nPoints: p.loss.count,
                         goodness: .of(observed: p.loss, predicted: predicted, objective: value),
                         residuals: (0..<p.loss.count).map { Residual(run: p.runs[$0], observed: p.loss[$0], predicted: predicted[$0]) },
                         settings: ["starts": Double(starts.count)],
                         notes: ["L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D; Levenberg-Marquardt least squares on log loss; Kaplan's N is non-embedding parameters"])
        fit.diagnostics = ParametricDiagnosis.diagnose(map: map, theta: theta, targets: p.logL,
                                                       predictors: ["N": p.n, "D": p.d]) { ConstrainedLeastSquares.outputs(model, $0) }
        fit.range = FittedRange(n: p.n, d: p.d)
        return fit
    }

    public static func loss(_ p: [String: Double], n: Double, d: Double) -> Double {
        guard let nc = p["N_c"], let dc = p["D_c"], let aN = p["alpha_N"], let aD = p["alpha_D"] else { return .nan }
        return Foundation.pow(Foundation.pow(nc / n, aN / aD) + dc / d, aD)
    }
}
