import Foundation

/// What the training loop reports as it goes; the CLI renders it.
public enum TrainingEvent: Sendable {
    case started(name: String, steps: Int, description: String)
    case step(step: Int, steps: Int, loss: Double, lr: Double, tokensPerSecond: Double)
    case evaluated(step: Int, valLoss: Double)
    case finished(RunSummary)
    /// A line of information (corpus preparation, tokenizer training, …).
    case message(String)
    /// Continuing from a checkpoint after `step` completed steps.
    case resumed(step: Int, checkpoint: String)
    /// Something the user should know that does not stop the run (a corrupt checkpoint skipped).
    case warning(String)
}
