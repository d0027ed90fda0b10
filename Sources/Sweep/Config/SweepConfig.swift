import Foundation
import Support
import Training
import Yams

/// Which parameter count a rule of N uses.
public enum ParamCount: String, Sendable, Codable, CaseIterable {
    case total
    case nonEmbedding = "non_embedding"
}

/// The loss a study's laws fit (`study.loss`).
public enum StudyLoss: String, Sendable, Codable, CaseIterable {
    /// Final validation loss per token (results.csv `final_val_loss`).
    case valLoss = "val_loss"
    /// Final validation bits per byte, which compares across tokenizers (lab 06's vocabularies).
    case bitsPerByte = "bits_per_byte"
}

/// The FLOP convention an IsoFLOP plan divides its budgets by (the contract's `budget_convention`).
public enum FlopConvention: String, Sendable, Codable, CaseIterable {
    /// 6·N_total per token (Chinchilla).
    case sixN = "6N"
    /// 6·N_non-embedding per token (Kaplan).
    case sixNNonEmbedding = "6N_non_embedding"
    /// 6·N_non-embedding + 6·V·d + 6·L·T·d per token (head and attention included).
    case full
}

/// Model sizes from a rule: users write sizes, the rule gives shapes.
public struct FamilyRule: Sendable, Equatable {
    public enum Sizes: Sendable, Equatable {
        case dModel([Int])
        case paramsNonEmbedding([Double])
    }
    public var sizes: Sizes
    /// n_layer = round(d_model / aspect_ratio), or a fixed n_layer.
    public var aspectRatio: Double?
    public var nLayer: Int?
    /// n_head = d_model / head_size.
    public var headSize: Int
    /// Where each size was written (for errors naming the entry at fault).
    var locations: [String] = []
}

/// The training length of every run: tokens, tokens per parameter, or IsoFLOP budgets.
public enum LengthAxis: Sendable, Equatable {
    case tokens([Int])
    case tokensPerParam([Double], params: ParamCount)
}

public struct IsoFLOPAxis: Sendable, Equatable {
    public var budgets: [Double]
    public var convention: FlopConvention
    /// Budgets written as `{compute: C, d_model: [..]}` train only those widths (for example one
    /// large run at 4× the largest profile's compute, predicted from the profiles); the span
    /// rule does not apply to them.
    public var dModelsAtBudget: [Double: [Int]] = [:]
    /// Keep, per budget, only sizes within a factor `span` of the expected optimum
    /// N_opt = √(C / (6·tokens_per_param)); nil keeps every size.
    public var span: Double?
    public var centerTokensPerParam: Double = 20
    /// A (budget, size) pair that gives fewer steps is dropped; a budget too small for the smallest
    /// size is an error.
    public var minSteps: Int = 20
}

/// Learning rate per size.
public enum LRRule: Sendable, Equatable {
    /// lr = anchor_lr · (N / anchor_params)^exponent.
    case powerLaw(anchorParams: Double, anchorLR: Double, exponent: Double, params: ParamCount)
    /// A short run per rate and size; the best final validation loss picks the size's rate.
    case tune(rates: [Double], tokensPerParam: Double?, tokens: Int?)
}

/// Batch size per size: anchor_batch · (N / anchor_params)^exponent, rounded to a power of two.
public struct BatchRule: Sendable, Equatable {
    public var anchorParams: Double
    public var anchorBatch: Double
    public var exponent: Double
    public var params: ParamCount

    public func batchSize(nTotal: Int, nNonEmbedding: Int) -> Int {
        let n = Double(params == .total ? nTotal : nNonEmbedding)
        let b = anchorBatch * pow(n / anchorParams, exponent)
        return max(1, Int(pow(2, log2(max(b, 1)).rounded())))
    }
}

/// Slurm settings from the config (flags override them).
public struct SlurmSettings: Sendable, Equatable {
    public var partition: String?
    public var time: String?
    public var cpusPerTask: Int?
    /// Memory per task in MiB; nil: the dry-run's estimate with headroom.
    public var memoryMiB: Int?
    public init() {}
}

/// A parsed sweep file. The base run config is kept as YAML so that grid points can set any of
/// its keys and still go through `RunConfig`'s strict decoding.
public struct SweepConfig {
    public var name: String
    public var source: String
    public var base: Node
    public var grid: [(key: String, values: [Node], location: String)]
    public var family: FamilyRule?
    public var length: LengthAxis?
    public var isoflop: IsoFLOPAxis?
    public var vocab: [Int]?
    public var wsdBranches: Bool
    public var lr: LRRule?
    public var batchSize: BatchRule?
    /// Validation evaluations per run (the shortest run of a WSD group); 0 keeps the base's interval.
    public var validationPoints: Int
    public var slurm: SlurmSettings
    /// What `scalelab reproduce` does after the sweep (fits, headline); nil for a plain sweep.
    public var study: StudySettings?
    var locations: [String: String] = [:]

    /// Validation points per run by default: the envelope (min over runs at each compute) and the
    /// annealing law (loss along the whole schedule, including the decay) both need the curve, not
    /// its end; 40 points put ≥ 8 in a 20% cooldown.
    public static let defaultValidationPoints = 40

    func location(_ key: String) -> String { locations[key] ?? source }
}

/// The `study:` section: a sweep that `scalelab reproduce` runs end to end (sweep → fit → report).
/// Law names stay text here (the sweep stage does not know the fitting stage's laws); the study
/// stage checks them and names `lawLocations[i]` when one is unknown.
public struct StudySettings: Sendable, Equatable {
    public var title: String
    /// What the user should expect, said before anything runs (minutes on 2 cores).
    public var expectedMinutes: Double
    public var laws: [String]
    public var lawLocations: [String]
    /// Bootstrap resamples for parameter and prediction intervals (0: none).
    public var bootstrap: Int = 0
    /// Compare the fitted E with the corpus's exact entropy rate (synthetic corpora only).
    public var compareFloor: Bool = false
    /// The parameter counts N the laws are fitted with, each a separate fit of the same runs:
    /// total (Chinchilla's, with C = 6·N·D) and non-embedding (Kaplan's, with C = 6·N_ne·D).
    public var parameterCounts: [ParamCount] = [.total]
    /// The loss every law of the study fits.
    public var loss: StudyLoss = .valLoss
}
