import Foundation
import Model
import Shards

/// `summary.json` of a run: what the fitting module and the report read. FLOP conventions:
/// `flops` = 6·N_total·D (Chinchilla), `flops_kaplan` = 6·N_non-embedding·D,
/// `flops_full` = (6·N_non-embedding + 6·V·d + 6·L·T·d)·D, with D = `tokens`.
public struct RunSummary: Codable, Sendable, Equatable {
    /// `stopped`: halted on request at a checkpoint (a WSD trunk at its last branch point);
    /// `scalelab train` on the directory continues it. `interrupted`: stopped by a signal after
    /// writing a checkpoint at its last step; re-running the command continues it.
    public enum Status: String, Codable, Sendable { case running, finished, diverged, stopped, interrupted }

    public var name: String
    public var status: Status
    public var steps: Int
    public var tokens: Int
    public var tokensPerStep: Int
    public var finalTrainLoss: Double?
    public var finalValLoss: Double?
    public var bestValLoss: Double?
    public var divergedAtStep: Int?
    public var nParamsTotal: Int
    public var nParamsEmbedding: Int
    public var nParamsNonEmbedding: Int
    public var flops: Double
    public var flopsKaplan: Double
    public var flopsFull: Double
    public var flopsConvention: String
    public var vocabSize: Int
    public var dModel: Int
    public var nLayer: Int
    public var nHead: Int
    public var context: Int
    public var batchSize: Int
    public var seed: UInt64
    public var threads: Int
    public var wallSeconds: Double
    public var tokensPerSecond: Double
    public var trainTokensAvailable: Int
    /// Passes over the training tokens' target positions, as the sampler counted them: above 1,
    /// data repeated.
    public var epochs: Double
    /// Distinct training-token positions the run trained on (repetition is a scaling-law axis:
    /// Muennighoff et al.'s U), and the rest of `tokens`: repeats. Counted by the sampler itself.
    public var uniqueTokens: Int?
    public var repeatedTokens: Int?
    /// How training windows were drawn (`data.sampling`).
    public var sampling: String
    /// Validation tokens, and the text bytes behind them when known.
    public var validationTokens: Int
    public var validationBytes: Int?
    /// Unigram entropy of the validation tokens (nats per token); final_val_loss minus it is the
    /// unigram-normalised loss of Tao et al. (2024).
    public var validationUnigramEntropy: Double?
    /// Final validation loss in bits per byte of text (comparable across vocabularies), when the
    /// validation bytes are known: loss / ln 2 × tokens / bytes.
    public var finalValBitsPerByte: Double?
    /// For a WSD branch: where it came from and what it cost (absent otherwise).
    public var branch: BranchInfo?

    enum CodingKeys: String, CodingKey {
        case name, status, steps, tokens, tokensPerStep = "tokens_per_step"
        case finalTrainLoss = "final_train_loss", finalValLoss = "final_val_loss", bestValLoss = "best_val_loss"
        case divergedAtStep = "diverged_at_step"
        case nParamsTotal = "n_params_total", nParamsEmbedding = "n_params_embedding"
        case nParamsNonEmbedding = "n_params_non_embedding"
        case flops, flopsKaplan = "flops_kaplan", flopsFull = "flops_full", flopsConvention = "flops_convention"
        case vocabSize = "vocab_size", dModel = "d_model", nLayer = "n_layer", nHead = "n_head", context
        case batchSize = "batch_size", seed, threads, wallSeconds = "wall_seconds", tokensPerSecond = "tokens_per_second"
        case trainTokensAvailable = "train_tokens_available", epochs, branch
        case uniqueTokens = "unique_tokens", repeatedTokens = "repeated_tokens", sampling
        case validationTokens = "validation_tokens", validationBytes = "validation_bytes"
        case finalValBitsPerByte = "final_val_bits_per_byte", validationUnigramEntropy = "validation_unigram_entropy"
    }

    static let convention = "flops = 6*N_total*D (Chinchilla); flops_kaplan = 6*N_non_embedding*D (Kaplan); "
        + "flops_full = (6*N_non_embedding + 6*V*d_model + 6*n_layer*context*d_model)*D; D = tokens"

    init(config: RunConfig, accounting a: ModelAccounting, trainTokensAvailable: Int, validationTokens: Int, validationBytes: Int?) {
        name = config.name; status = .running; steps = 0; tokens = 0
        tokensPerStep = config.training.batchSize * config.training.gradAccum * config.model.context
        nParamsTotal = a.nParamsTotal; nParamsEmbedding = a.nParamsEmbedding; nParamsNonEmbedding = a.nParamsNonEmbedding
        flops = 0; flopsKaplan = 0; flopsFull = 0; flopsConvention = Self.convention
        vocabSize = config.model.vocabSize; dModel = config.model.dModel; nLayer = config.model.nLayer
        nHead = config.model.nHead; context = config.model.context; batchSize = config.training.batchSize
        seed = config.seed; threads = config.resolvedThreads
        wallSeconds = 0; tokensPerSecond = 0
        self.trainTokensAvailable = trainTokensAvailable; epochs = 0
        sampling = config.data.sampling.rawValue
        self.validationTokens = validationTokens; self.validationBytes = validationBytes
    }

    mutating func record(steps: Int, accounting a: ModelAccounting, seconds: Double, sampler: BatchLoaderState) {
        self.steps = steps
        tokens = steps * tokensPerStep
        let d = Double(tokens)
        flops = a.flopsPerTokenChinchilla * d
        flopsKaplan = a.flopsPerTokenKaplan * d
        flopsFull = a.flopsPerTokenFull * d
        wallSeconds = seconds
        tokensPerSecond = seconds > 0 ? d / seconds : 0
        epochs = Double(sampler.tokensServed) / Double(max(trainTokensAvailable - 1, 1))
        uniqueTokens = sampler.uniqueTokensServed
        repeatedTokens = sampler.tokensServed - sampler.uniqueTokensServed
    }

    /// Sets the final losses, and bits per byte where the validation text's size is known.
    mutating func recordLosses(train: Double?, validation: Double?, best: Double?) {
        finalTrainLoss = train; finalValLoss = validation; bestValLoss = best
        if let validation, let bytes = validationBytes, bytes > 0 {
            finalValBitsPerByte = validation / log(2) * Double(validationTokens) / Double(bytes)
        }
    }
}

/// A WSD branch's provenance and cost, in `summary.json` under `branch`. FLOPs follow the summary's
/// `flops` convention, 6·N_total·D. The branch's true total is `tokens` = `trunk_tokens` +
/// `cooldown_tokens`; its own (marginal) compute is the cooldown, since the trunk is shared by every
/// branch of a sweep; `fresh_run_flops` is what training it from scratch would have cost.
public struct BranchInfo: Codable, Sendable, Equatable {
    public var trunkCheckpoint: String
    public var branchedAtStep: Int
    public var trunkTokens: Int
    public var cooldownTokens: Int
    /// The shared trunk up to the branch point.
    public var trunkFlops: Double
    /// This branch's own cooldown.
    public var cooldownFlops: Double
    /// A fresh run of the same length: 6·N_total·(trunk + cooldown tokens).
    public var freshRunFlops: Double

    enum CodingKeys: String, CodingKey {
        case trunkCheckpoint = "trunk_checkpoint", branchedAtStep = "branched_at_step", trunkTokens = "trunk_tokens"
        case cooldownTokens = "cooldown_tokens", trunkFlops = "trunk_flops", cooldownFlops = "cooldown_flops"
        case freshRunFlops = "fresh_run_flops"
    }

    init(trunkCheckpoint: URL, branchedAtStep: Int, totalSteps: Int, tokensPerStep: Int, accounting: ModelAccounting) {
        self.trunkCheckpoint = trunkCheckpoint.path; self.branchedAtStep = branchedAtStep
        trunkTokens = branchedAtStep * tokensPerStep
        cooldownTokens = (totalSteps - branchedAtStep) * tokensPerStep
        trunkFlops = accounting.flopsPerTokenChinchilla * Double(trunkTokens)
        cooldownFlops = accounting.flopsPerTokenChinchilla * Double(cooldownTokens)
        freshRunFlops = trunkFlops + cooldownFlops
    }
}
