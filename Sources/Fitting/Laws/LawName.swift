/// The `--law` names.
public enum LawName: String, CaseIterable, Sendable, Codable {
    case kaplan
    case chinchillaEnvelope = "chinchilla-envelope"
    case chinchillaIsoFLOP = "chinchilla-isoflop"
    case chinchilla
    case vocab
    case annealing
    case dataConstrained = "data-constrained"
    case kaplanJoint = "kaplan-joint"
    case overtraining
    case hyperparams
    case vocabIsoFLOP = "vocab-isoflop"
    case vocabDerivative = "vocab-derivative"

    /// Whether the law is fitted to final values (one row per run) or to training curves.
    public var shape: DataShape {
        switch self {
        case .chinchillaEnvelope, .annealing: return .curves
        default: return .finalValues
        }
    }
}

/// Settings shared by the laws' fitting procedures.
public struct FitOptions: Sendable {
    /// Bootstrap resamples over runs (0: none).
    public var bootstrap: Int = 0
    public var seed: UInt64 = 0
    /// Approach 3 (and the laws built on it): bootstrap refits start from the full-data optimum
    /// plus this many evenly spaced starts of the 4500-point grid (4500: the full grid each time).
    public var bootstrapGridStarts: Int = 8
    /// Approach 3: use every k-th point of the 4500-point grid (1: the full grid, as published;
    /// larger values are for quick looks and tests).
    public var gridStride: Int = 1
    /// Huber threshold δ on residuals (Hoffmann et al. 2022: 1e-3).
    public var huberDelta: Double = 1e-3
    /// Kaplan: fit L = E + (X_c/X)^α (with an irreducible loss E) instead of L = (X_c/X)^α.
    public var kaplanIrreducible: Bool = false
    /// Annealing: momentum decay λ of the annealing area S2 (Tissue et al. 2024: 0.999).
    public var annealingLambda: Double = 0.999
    /// IsoFLOP: runs whose compute differs by less than this relative amount share a budget.
    public var isoFLOPBudgetTolerance: Double = 0.05
    /// IsoFLOP: distinct model sizes (centred on the budget's best) each parabola is fitted on.
    public var isoFLOPWindow: Int = 5
    /// Fraction of runs (largest compute) held out and predicted, for `--holdout`.
    public var holdoutFraction: Double? = nil
    /// Rollout by compute: how many of the largest compute levels to predict from the runs
    /// below each (0: no rollout).
    public var rolloutSteps: Int = 0
    /// A run is flagged unconverged when its loss still fell by more than this fraction per
    /// doubling of tokens over the last fifth of its curve.
    public var unconvergedThreshold: Double = 0.05
    public var lbfgs: LBFGSOptions = .tight
    /// Approach 3's multi-start: screen every start at a loose tolerance, refine the best
    /// endpoints tightly (nil: every start to the tight tolerance).
    public var screening: MultiStart.Screening? = .standard
    /// `--fix` and `--bound`, and whether the physical default bounds apply.
    public var constraints = ParameterConstraints()

    public init() {}
}
