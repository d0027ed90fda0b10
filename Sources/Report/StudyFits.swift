import Foundation

/// The fitted laws as the report uses them: display rows plus the few numbers the figures draw.
/// Built by `FitAdapter` (the only file that reads the Fitting module's `FitReport`), so the
/// rest of the report does not change when that format grows.
public struct StudyFits: Sendable {
    /// One law (one variable for Kaplan) as shown in the laws table.
    public struct Law: Sendable {
        public struct Parameter: Sendable { public var name: String; public var value: Double; public var ci95: (Double, Double)? }
        public var key: String
        public var title: String
        public var formula: String
        public var parameters: [Parameter]
        public var derived: [Parameter]
        public var points: Int
        public var r2: Double
        public var rmseLog: Double
        /// False when the data do not determine the law: it is listed with `verdict`, not as a result.
        public var meaningful: Bool
        public var verdict: String
        public var notes: [String]
    }

    public var laws: [Law] = []
    /// Laws not fitted, with the reason (data too thin, fit failed).
    public var skipped: [(law: String, reason: String)] = []
    /// Where the fit came from: "--fit FILE" or "fitted by the report".
    public var origin = ""
    /// The fit JSON's bytes, to be written beside the report (auto fits only).
    public var json: Data?
    public var excludedRuns: [(run: String, reason: String)] = []

    // Numbers for figures (present only when the law is meaningful).
    public var isoflop: PowerLawPair?
    public var envelope: PowerLawPair?
    /// Per-budget vertices (C, N_opt, loss at N_opt) of approach 2, and budgets left out with the reason.
    public var isoflopBudgets: [(c: Double, nOpt: Double?, loss: Double?, excluded: String?)] = []
    public var chinchilla: [String: Double]?
    public var kaplan: [String: [String: Double]] = [:]
    /// Approach 3 (or Kaplan) fitted to every run: (run, observed, predicted).
    public var residuals: [(run: String, observed: Double, predicted: Double)] = []
    public var residualsLaw = ""
    /// Held-out check: fitted on the smaller-compute runs, predicted on the largest.
    public var holdout: Holdout?
    public var annealing: Annealing?

    public struct PowerLawPair: Sendable {
        public var a: Double, b: Double, kN: Double, kD: Double
        public var aCI: (Double, Double)?, bCI: (Double, Double)?
        public func nOpt(_ c: Double) -> Double { kN * Foundation.pow(c, a) }
        public func dOpt(_ c: Double) -> Double { kD * Foundation.pow(c, b) }
    }

    public struct Holdout: Sendable {
        public var law: String
        public var fittedRuns: Int
        public var predictions: [(run: String, observed: Double, predicted: Double)]
        public var meanAbsRelativeError: Double
        /// Prediction interval per held-out run (bootstrap), when the fit gave them.
        public var intervals: [String: (low: Double, high: Double)] = [:]
        public var intervalLevel: Double?
        /// Whether the law's parameters are identified (else the check tests predictions only).
        public var lawIdentified = true
    }

    public struct Annealing: Sendable {
        /// Curves the law was fitted to, and the held-out one with its predicted curve.
        public var fittedRuns: [String]
        public var heldOutRun: String?
        public var predicted: [(run: String, step: [Double], loss: [Double])]
    }
}
