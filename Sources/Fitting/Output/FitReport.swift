/// What `scalelab fit` writes (and `--json` prints): one entry per law plus the runs used and
/// excluded. `scalelab predict` reads it back.
public struct FitReport: Codable, Sendable {
    public var source: String
    public var fits: [LawFit]
    public var runsUsed: [String]
    public var runsExcluded: [RunExclusion]

    enum CodingKeys: String, CodingKey { case source, fits, runsUsed = "runs_used", runsExcluded = "runs_excluded" }

    public init(source: String, fits: [LawFit], runsUsed: [String], runsExcluded: [RunExclusion]) {
        self.source = source; self.fits = fits; self.runsUsed = runsUsed; self.runsExcluded = runsExcluded
    }

    /// The first fit of a law (and, for Kaplan, of a variable).
    public func fit(_ law: LawName, variable: String? = nil) -> LawFit? {
        fits.first { $0.law == law.rawValue && (variable == nil || $0.variable == variable) }
    }
}

/// One fitted law.
public struct LawFit: Codable, Sendable {
    public var law: String
    /// Kaplan only: the single variable (N, D or C) of this power law.
    public var variable: String?
    /// Fitted parameters by name (approach 3: E, A, B, alpha, beta).
    public var params: [String: Double]
    /// 95% bootstrap percentile intervals [low, high] by name, when `--bootstrap K` was given.
    public var ci95: [String: [Double]]?
    /// Bootstrap resamples that were refitted (and how many failed), when bootstrapped.
    public var bootstrap: BootstrapSummary?
    /// Quantities derived from the parameters (approach 3: exponents a, b and G of N_opt(C)).
    public var derived: [String: Double]
    public var nPoints: Int
    public var goodness: Goodness
    public var residuals: [Residual]
    /// Fixed settings of the procedure (δ, λ, starts, …) so the fit can be reproduced.
    public var settings: [String: Double]
    public var notes: [String]
    /// Approach 2: the parabola vertex of each compute budget.
    public var budgets: [IsoFLOPBudget]?
    public var holdout: HoldoutReport?
    /// Bounds hit, identifiability, residual structure, unconverged runs and the verdict.
    public var diagnostics: FitDiagnostics?
    /// The span of the inputs the law was fitted on (for `predict`'s extrapolation notice).
    public var range: FittedRange?
    /// The bootstrap refits' parameters (for prediction intervals).
    public var bootstrapSamples: ParameterSamples?
    /// Expanding-window validation by compute.
    public var rollout: RolloutReport?
    /// Prediction intervals for the runs of the largest compute, from a fit without them.
    public var predictionInterval: PredictionIntervalReport?
    /// Input columns read for quantities other than the defaults (`--map`), e.g. N from
    /// `n_params_non_embedding` and C from `flops_kaplan`: Kaplan's parameter count.
    public var columns: [String: String]?

    enum CodingKeys: String, CodingKey {
        case law, variable, params, ci95, bootstrap, derived, goodness, residuals, settings, notes, budgets, holdout
        case diagnostics, range, rollout, columns
        case nPoints = "n_points", bootstrapSamples = "bootstrap_samples", predictionInterval = "prediction_interval"
    }

    public init(law: LawName, variable: String? = nil, params: [String: Double], derived: [String: Double] = [:], nPoints: Int,
                goodness: Goodness, residuals: [Residual], settings: [String: Double] = [:], notes: [String] = []) {
        self.law = law.rawValue; self.variable = variable; self.params = params; self.derived = derived; self.nPoints = nPoints
        self.goodness = goodness; self.residuals = residuals; self.settings = settings; self.notes = notes
    }
}

/// Parameter values of many refits, one row per refit, columns named.
public struct ParameterSamples: Codable, Sendable {
    public var names: [String]
    public var values: [[Double]]

    init(_ rows: [[String: Double]]) {
        names = rows.first.map { $0.keys.sorted() } ?? []
        let n = names
        values = rows.map { r in n.map { r[$0] ?? .nan } }
    }

    /// Row k as named values.
    public subscript(_ k: Int) -> [String: Double] {
        var out: [String: Double] = [:]
        for (j, name) in names.enumerated() where j < values[k].count { out[name] = values[k][j] }
        return out
    }
    public var count: Int { values.count }
}

/// Smallest and largest value of each input the law was fitted on.
public struct FittedRange: Codable, Sendable {
    public var bounds: [String: [Double]]

    public init(_ inputs: [String: [Double]]) {
        var b: [String: [Double]] = [:]
        for (k, v) in inputs where !v.isEmpty { b[k] = [v.min()!, v.max()!] }
        bounds = b
    }

    init(n: [Double], d: [Double]) { self.init(["N": n, "D": d, "C": zip(n, d).map { 6 * $0 * $1 }]) }
}

public struct BootstrapSummary: Codable, Sendable {
    public var resamples: Int
    public var failed: Int
    public var seed: UInt64
    /// Bootstrap standard deviation of each parameter.
    public var sd: [String: Double]
}

/// How well the law describes the points it was fitted to.
public struct Goodness: Codable, Sendable {
    /// Root mean square of log(predicted/observed) (or of the raw residual for signed losses).
    public var rmseLog: Double
    /// Largest |predicted − observed| / |observed|.
    public var maxAbsRelativeError: Double
    /// 1 − SS_res/SS_tot of the loss.
    public var r2: Double
    /// Value of the fitted objective (summed Huber, or sum of squares).
    public var objective: Double
    /// Lag-1 autocorrelation of residuals ordered by prediction: near 0 for a law that fits,
    /// near 1 when the residuals follow a systematic curve (wrong functional form).
    public var residualAutocorrelation: Double

    enum CodingKeys: String, CodingKey {
        case rmseLog = "rmse_log", maxAbsRelativeError = "max_abs_relative_error", r2, objective
        case residualAutocorrelation = "residual_autocorrelation"
    }

    /// `observed`/`predicted` are losses; signed losses use raw residuals for `rmseLog`.
    public static func of(observed: [Double], predicted: [Double], objective: Double) -> Goodness {
        let n = observed.count
        let allPositive = observed.allSatisfy { $0 > 0 } && predicted.allSatisfy { $0 > 0 }
        var ss = 0.0, maxRel = 0.0
        var residuals = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let r = allPositive ? Foundation.log(predicted[i] / observed[i]) : predicted[i] - observed[i]
            residuals[i] = r
            ss += r * r
            maxRel = max(maxRel, abs(predicted[i] - observed[i]) / max(abs(observed[i]), 1e-300))
        }
        let mean = observed.reduce(0, +) / Double(max(n, 1))
        var ssRes = 0.0, ssTot = 0.0
        for i in 0..<n { ssRes += (observed[i] - predicted[i]) * (observed[i] - predicted[i]); ssTot += (observed[i] - mean) * (observed[i] - mean) }
        let order = predicted.indices.sorted { predicted[$0] < predicted[$1] }
        let rs = order.map { residuals[$0] }
        let rMean = rs.reduce(0, +) / Double(max(n, 1))
        var num = 0.0, den = 0.0
        for i in 0..<n { den += (rs[i] - rMean) * (rs[i] - rMean); if i > 0 { num += (rs[i] - rMean) * (rs[i - 1] - rMean) } }
        return Goodness(rmseLog: (ss / Double(max(n, 1))).squareRoot(), maxAbsRelativeError: maxRel,
                        r2: ssTot > 0 ? 1 - ssRes / ssTot : 0, objective: objective,
                        residualAutocorrelation: den > 0 ? num / den : 0)
    }
}

/// One data point with the law's prediction.
public struct Residual: Codable, Sendable {
    public var run: String
    public var observed: Double
    public var predicted: Double
}

/// Approach 2: one compute budget's parabola and its vertex.
public struct IsoFLOPBudget: Codable, Sendable {
    public var compute: Double
    public var points: Int
    public var nOpt: Double?
    public var lossAtOpt: Double?
    /// Why this budget was left out of the power-law fit, if it was.
    public var excluded: String?
    /// Model sizes the parabola was fitted on (those around the budget's best size).
    public var sizesUsed: [Double]?

    enum CodingKeys: String, CodingKey { case compute = "C", points, nOpt = "N_opt", lossAtOpt = "loss_at_opt", excluded, sizesUsed = "sizes_used" }

    public init(compute: Double, points: Int, nOpt: Double?, lossAtOpt: Double?, excluded: String?, sizesUsed: [Double]? = nil) {
        self.compute = compute; self.points = points; self.nOpt = nOpt; self.lossAtOpt = lossAtOpt
        self.excluded = excluded; self.sizesUsed = sizesUsed
    }
}

/// `--holdout`: fitted on the smaller-compute runs, checked on the larger ones.
public struct HoldoutReport: Codable, Sendable {
    public var fittedRuns: Int
    public var heldOutRuns: [String]
    public var meanAbsRelativeError: Double
    public var maxAbsRelativeError: Double
    public var predictions: [Residual]

    enum CodingKeys: String, CodingKey {
        case fittedRuns = "fitted_runs", heldOutRuns = "held_out_runs", meanAbsRelativeError = "mean_abs_relative_error"
        case maxAbsRelativeError = "max_abs_relative_error", predictions
    }
}

import Foundation
