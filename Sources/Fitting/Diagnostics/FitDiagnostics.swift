/// What every fit reports about how far it can be trusted (`diagnostics` in the JSON).
public struct FitDiagnostics: Codable, Sendable {
    /// Bounds and fixes in force, by parameter ("[0, 2.9]", ">= 0", "fixed 1.45", "fixed = beta").
    public var constraints: [String: String] = [:]
    /// Free parameters that ended on a bound.
    public var onBounds: [BoundHit] = []
    /// Parameters the data do not determine (printed as "not identified", not as a value).
    public var notIdentified: [String] = []
    /// Linearised standard errors of the free parameters at the optimum (natural units), from
    /// the Gauss–Newton Hessian JᵀJ and the residual variance.
    public var standardErrors: [String: Double] = [:]
    /// Condition number of JᵀJ scaled to unit diagonal (1: independent parameters; ≥ 1e6:
    /// some combination of parameters is barely constrained).
    public var hessianCondition: Double?
    /// Directions of JᵀJ (unit-diagonal scaling) with the smallest curvature, when near-flat.
    public var flatDirections: [FlatDirection] = []
    public var residualStructure: ResidualStructure?
    /// Runs whose loss was still falling fast when training stopped.
    public var unconvergedRuns: [UnconvergedRun] = []
    public var verdict: Verdict = Verdict(level: .trustworthy, reason: "")

    enum CodingKeys: String, CodingKey {
        case constraints, verdict
        case onBounds = "on_bounds", notIdentified = "not_identified", standardErrors = "standard_errors"
        case hessianCondition = "hessian_condition", flatDirections = "flat_directions"
        case residualStructure = "residual_structure", unconvergedRuns = "unconverged_runs"
    }

    public init() {}
}

/// A barely constrained combination of parameters: moving along `components` (internal
/// coordinates: logarithms for A, B, E, …) changes the fit very little.
public struct FlatDirection: Codable, Sendable {
    /// Eigenvalue of the unit-diagonal JᵀJ relative to its largest.
    public var relativeCurvature: Double
    public var components: [String: Double]

    enum CodingKeys: String, CodingKey { case relativeCurvature = "relative_curvature", components }
}

/// Whether residuals look like noise or like a trend the law misses.
public struct ResidualStructure: Codable, Sendable {
    /// Sign changes of residuals ordered by prediction, against those expected of noise.
    public var signRuns: Int
    public var expectedSignRuns: Double
    /// z-score of the runs test (≤ −2: residuals cluster by sign, a systematic misfit).
    public var runsZ: Double
    /// Correlation of the residuals with log N, log D, log C (where present).
    public var trend: [String: Double]
    public var systematic: Bool

    enum CodingKeys: String, CodingKey {
        case signRuns = "sign_runs", expectedSignRuns = "expected_sign_runs", runsZ = "runs_z", trend, systematic
    }
}

/// A run whose training loss still fell fast at the end of its curve.
public struct UnconvergedRun: Codable, Sendable {
    public var run: String
    /// Relative loss decrease per doubling of tokens over the last fifth of the curve.
    public var dropPerDoubling: Double

    enum CodingKeys: String, CodingKey { case run, dropPerDoubling = "drop_per_doubling" }
}

/// One line per law: can its numbers be used?
public struct Verdict: Codable, Sendable {
    public enum Level: String, Codable, Sendable {
        case trustworthy
        case weaklyDetermined = "weakly determined"
        case notIdentified = "not identified"
        case notALaw = "not a law"
    }
    public var level: Level
    public var reason: String

    public var line: String { reason.isEmpty ? level.rawValue : "\(level.rawValue): \(reason)" }
    public init(level: Level, reason: String) { self.level = level; self.reason = reason }
}
