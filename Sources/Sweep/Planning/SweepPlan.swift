import Foundation
import Model
import Training

/// One run of a sweep, resolved: the unit `scalelab run-one` executes and a row of results.csv
/// (trunks and LR-tuning runs are run directories but not rows).
public struct PlannedRun: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable {
        /// A row of results.csv: a fresh run, or a WSD branch when `trunk` is set.
        case run
        /// A WSD trunk: trains to its last branch point and keeps a checkpoint at each.
        case trunk
        /// A short run of the per-size learning-rate search.
        case lrTune = "lr_tune"
    }
    public var id: String
    public var role: Role
    public var config: RunConfig
    /// The shape's label (`d64-L4-H4`).
    public var family: String
    /// IsoFLOP: the budget that planned this run and its FLOP convention.
    public var budget: Double?
    public var budgetConvention: String?
    /// Tokens asked for, before rounding to whole steps.
    public var requestedTokens: Double?
    /// A branch: the trunk's run id and the trunk step it starts from.
    public var trunk: String?
    public var branchStep: Int?
    /// A trunk: the steps its branches start from (the last is where it stops).
    public var branchPoints: [Int]?
    /// The learning-rate search this size belongs to (tuning runs and the runs that use its choice).
    public var tuneGroup: String?
    /// Every swept key's value (dotted run-config keys).
    public var swept: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, role, config, family, budget, budgetConvention = "budget_convention", requestedTokens = "requested_tokens"
        case trunk, branchStep = "branch_step", branchPoints = "branch_points", tuneGroup = "tune_group", swept
    }

    public var tokens: Int { config.training.steps * config.tokensPerStep }
    /// Steps this run itself trains (a branch: its cooldown; a trunk: up to its last branch point).
    public var ownSteps: Int {
        switch role {
        case .trunk: return branchPoints?.last ?? config.training.steps
        default: return config.training.steps - (branchStep ?? 0)
        }
    }
}

/// A run that waits for its size's learning-rate search.
public struct DeferredRun: Sendable {
    public var tuneGroup: String
    public var config: RunConfig
    public var family: String
    public var budget: Double?
    public var budgetConvention: String?
}

/// The resolved sweep: every run with its id, in execution order (trunks before their branches).
public struct SweepPlan: Sendable {
    public var name: String
    public var runs: [PlannedRun]
    /// Runs whose learning rate the search has not chosen yet (planned again once it has).
    public var deferred: [DeferredRun]
    /// Dotted keys the sweep varies, in column order.
    public var sweptKeys: [String]
    /// Things the planner dropped or rounded, for the dry-run.
    public var notes: [String]
    /// The chosen rate of each tuned size.
    public var lrChoices: [String: Double]

    public var rows: [PlannedRun] { runs.filter { $0.role == .run } }
    public func run(_ id: String) -> PlannedRun? { runs.first { $0.id == id } }
}
