/// Expanding-window validation by compute: at each compute level, the law fitted on every run
/// of smaller compute predicts the runs at that level (the use scaling laws are made for).
public struct RolloutReport: Codable, Sendable {
    public var steps: [RolloutStep]
    /// Mean over all predicted runs of |predicted − observed| / observed.
    public var meanAbsRelativeError: Double
    /// Mean of (predicted − observed) / observed: negative when the law predicts too low.
    public var meanRelativeError: Double

    enum CodingKeys: String, CodingKey {
        case steps, meanAbsRelativeError = "mean_abs_relative_error", meanRelativeError = "mean_relative_error"
    }
}

public struct RolloutStep: Codable, Sendable {
    /// The compute level predicted (geometric mean of its runs' C).
    public var compute: Double
    public var fittedRuns: Int
    /// Largest C among the runs fitted, so compute / fittedCompute is the extrapolation factor.
    public var fittedCompute: Double
    public var predictions: [Residual]
    public var meanAbsRelativeError: Double
    public var meanRelativeError: Double
    /// Why no prediction was made at this level (too few runs to fit, fit failed).
    public var skipped: String?

    enum CodingKeys: String, CodingKey {
        case compute = "C", fittedRuns = "fitted_runs", fittedCompute = "fitted_C", predictions, skipped
        case meanAbsRelativeError = "mean_abs_relative_error", meanRelativeError = "mean_relative_error"
    }
}

/// Prediction intervals: the spread of a new run's loss, not only of the law's parameters.
public struct PredictionIntervalReport: Codable, Sendable {
    public var level: Double
    public var method: String
    public var resamples: Int
    public var fittedRuns: Int
    public var points: [IntervalPoint]
    /// Fraction of `points` whose observed loss lies inside its interval.
    public var coverage: Double?

    enum CodingKeys: String, CodingKey { case level, method, resamples, points, coverage, fittedRuns = "fitted_runs" }
}

public struct IntervalPoint: Codable, Sendable {
    public var run: String?
    public var inputs: [String: Double]
    public var predicted: Double
    public var low: Double
    public var high: Double
    public var observed: Double?
}
