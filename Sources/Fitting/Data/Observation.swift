/// The quantities the laws are written in. CSV columns carry these names by default;
/// `--map QUANTITY=COLUMN` names another column.
public enum Quantity: String, CaseIterable, Sendable, Codable, Hashable {
    /// Parameters (for runs directories: `n_params_total`; map to `n_params_non_embedding` for
    /// Kaplan's convention).
    case N
    /// Training tokens; derived as C/(6N) when only C is given.
    case D
    /// Training FLOPs; derived as 6·N·D when only D is given.
    case C
    /// Vocabulary size.
    case V
    /// Loss in nats per token (or Tao et al.'s unigram-normalised loss for the vocab law).
    case loss
    /// Optimiser step and learning rate (training curves, annealing law).
    case step, lr
    /// Embedding width (vocab law: vocabulary parameters N_v = V·d).
    case d
    /// Vocabulary parameters given directly instead of V and d.
    case Nv
    /// Unique training tokens (data-constrained law); D/U − 1 is the number of repeated epochs.
    case U
    /// The IsoFLOP budget that planned a run (results.csv `budget`), in the planner's FLOP
    /// convention; runs are grouped by it while the law is regressed on the mapped N and C.
    case budget
    /// Batch size (hyper-parameter law).
    case batch
    /// Unigram-normalised loss L_u = loss − H_unigram (Tao et al.), for the vocabulary laws.
    case Lu
    /// Bits per byte of the validation text (with the cross-entropy loss it gives tokens per
    /// byte, the tokenizer's compression, for vocab-derivative).
    case bpb

    /// Column of a sweep's results.csv (docs: sweep contract) read when the input has no
    /// column named after the quantity and no --map names one.
    public var resultsColumn: String? {
        switch self {
        case .N: return "n_params_total"
        case .D: return "tokens"
        case .C: return "flops"
        case .V: return "vocab_size"
        case .loss: return "final_val_loss"
        case .d: return "d_model"
        case .U: return "unique_tokens"
        case .batch: return "batch_size"
        case .Lu: return "unigram_normalized_loss"
        case .bpb: return "bits_per_byte"
        case .budget, .step, .lr, .Nv: return nil
        }
    }
}

/// One row of data: final values of a run, or one logged point of a training curve.
public struct Observation: Sendable {
    public var run: String
    /// `file:line` the row came from, for error messages.
    public var source: String
    public var values: [Quantity: Double]

    public init(run: String, source: String, values: [Quantity: Double]) {
        self.run = run; self.source = source; self.values = values
    }

    public subscript(_ q: Quantity) -> Double? {
        get { values[q] }
        set { values[q] = newValue }
    }

    /// Fills D from C/(6N) or C from 6·N·D when one of them is missing (Kaplan/Hoffmann C ≈ 6ND).
    mutating func deriveComputeOrTokens() {
        if values[.D] == nil, let c = values[.C], let n = values[.N], n > 0 { values[.D] = c / (6 * n) }
        if values[.C] == nil, let d = values[.D], let n = values[.N] { values[.C] = 6 * n * d }
        if values[.Nv] == nil, let v = values[.V], let d = values[.d] { values[.Nv] = v * d }
    }
}

/// A run left out of a fit and why (diverged, unfinished, filtered...).
public struct RunExclusion: Codable, Sendable, Hashable {
    public var run: String
    public var reason: String
    public init(run: String, reason: String) { self.run = run; self.reason = reason }
}

/// Rows ready for fitting plus the bookkeeping every output reports.
public struct ObservationSet: Sendable {
    public var source: String
    public var observations: [Observation]
    public var excluded: [RunExclusion]
    /// Columns the input offered (to suggest a `--map` in errors).
    public var availableColumns: [String]

    /// Distinct runs in first-seen order.
    public var runsUsed: [String] {
        var seen = Set<String>(), out: [String] = []
        for o in observations where seen.insert(o.run).inserted { out.append(o.run) }
        return out
    }
}
