import Foundation
import Model

/// `summary.json` of a run: what the fitting module and the report read. FLOP conventions:
/// `flops` = 6·N_total·D (Chinchilla), `flops_kaplan` = 6·N_non-embedding·D,
/// `flops_full` = (6·N_non-embedding + 6·V·d + 6·L·T·d)·D, with D = `tokens`.
public struct RunSummary: Codable, Sendable, Equatable {
    /// `stopped`: halted on request at a checkpoint (a WSD trunk at its last branch point);
    /// `scalelab train` on the directory continues it.
    public enum Status: String, Codable, Sendable { case running, finished, diverged, stopped }

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
    /// Training tokens seen ÷ training tokens available: above 1, data repeated.
    public var epochs: Double
    /// Distinct training-token positions the run's input windows covered (repetition is a
    /// scaling-law axis: Muennighoff et al.'s U), and the rest of `tokens`: repeats.
    public var uniqueTokens: Int?
    public var repeatedTokens: Int?
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
        case uniqueTokens = "unique_tokens", repeatedTokens = "repeated_tokens"
    }

    static let convention = "flops = 6*N_total*D (Chinchilla); flops_kaplan = 6*N_non_embedding*D (Kaplan); "
        + "flops_full = (6*N_non_embedding + 6*V*d_model + 6*n_layer*context*d_model)*D; D = tokens"

    init(config: RunConfig, accounting a: ModelAccounting, trainTokensAvailable: Int) {
        name = config.name; status = .running; steps = 0; tokens = 0
        tokensPerStep = config.training.batchSize * config.training.gradAccum * config.model.context
        nParamsTotal = a.nParamsTotal; nParamsEmbedding = a.nParamsEmbedding; nParamsNonEmbedding = a.nParamsNonEmbedding
        flops = 0; flopsKaplan = 0; flopsFull = 0; flopsConvention = Self.convention
        vocabSize = config.model.vocabSize; dModel = config.model.dModel; nLayer = config.model.nLayer
        nHead = config.model.nHead; context = config.model.context; batchSize = config.training.batchSize
        seed = config.seed; threads = config.resolvedThreads
        wallSeconds = 0; tokensPerSecond = 0
        self.trainTokensAvailable = trainTokensAvailable; epochs = 0
    }

    mutating func record(steps: Int, accounting a: ModelAccounting, seconds: Double) {
        self.steps = steps
        tokens = steps * tokensPerStep
        let d = Double(tokens)
        flops = a.flopsPerTokenChinchilla * d
        flopsKaplan = a.flopsPerTokenKaplan * d
        flopsFull = a.flopsPerTokenFull * d
        wallSeconds = seconds
        tokensPerSecond = seconds > 0 ? d / seconds : 0
        epochs = d / Double(max(trainTokensAvailable, 1))
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
