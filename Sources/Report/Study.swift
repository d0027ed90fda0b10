import Foundation

/// What a report is drawn from, whatever the input looked like (a sweep directory with
/// results.csv/curves.csv, a plain runs directory, or one run directory). `StudyReader` is the
/// only code that knows those layouts.
public struct Study: Sendable {
    public enum Kind: String, Sendable { case sweep, runsDirectory = "runs directory", singleRun = "single run" }
    public var kind: Kind
    /// The directory the study was read from.
    public var root: String
    /// Every run (trunks included, flagged), in a stable order.
    public var runs: [RunRecord]
    /// Logged training curves by run id.
    public var curves: [String: Curve]
    /// What is missing or unreadable, in words, for the report to say.
    public var problems: [String]
    /// Data files of the study that exist (file names relative to `root`: results.csv, curves.csv).
    public var tables: [String]

    /// Finished runs that are results (not WSD trunks).
    public var finished: [RunRecord] { runs.filter { $0.status == .done && !$0.isTrunk } }
}

public enum RunStatus: String, Sendable {
    case done, diverged, failed, interrupted, pending, running
    /// Reads the contract's statuses and summary.json's (finished, stopped, …).
    init(text: String) {
        switch text {
        case "done", "finished": self = .done
        case "diverged": self = .diverged
        case "failed": self = .failed
        case "interrupted", "stopped": self = .interrupted
        case "running": self = .running
        default: self = .pending
        }
    }
}

public struct RunRecord: Sendable {
    public var id: String
    public var name: String
    public var status: RunStatus
    /// The status as the input wrote it.
    public var statusText: String
    public var isTrunk = false
    public var nParams: Double?
    public var nParamsNonEmbedding: Double?
    public var tokens: Double?
    public var uniqueTokens: Double?
    public var flops: Double?
    public var vocabSize: Double?
    public var dModel: Double?
    public var nLayer: Double?
    /// The IsoFLOP budget that planned the run (sweeps only).
    public var budget: Double?
    public var lr: Double?
    public var schedule: String?
    public var corpus: String?
    public var finalValLoss: Double?
    public var bestValLoss: Double?
    public var finalTrainLoss: Double?
    public var bitsPerByte: Double?
    public var wallSeconds: Double?
    public var trunkId: String?
    /// WSD branch: the shared trunk's FLOPs up to the branch point and the branch's own cooldown.
    public var trunkFlops: Double?
    public var cooldownFlops: Double?
    /// The run directory, when the run was read from one.
    public var directory: String?
    /// The sibling sweep this run was copied from (same run id), when it was not trained here.
    public var copiedFrom: String?
    /// Passes over the training data available to the run (D / available tokens).
    public var epochs: Double?

    public init(id: String, name: String, statusText: String) {
        self.id = id; self.name = name; self.statusText = statusText; status = RunStatus(text: statusText)
    }

    /// FLOPs this run itself cost: a branch only its cooldown (its trunk is counted once, as a trunk).
    public var spentFlops: Double? { cooldownFlops ?? flops }
}

/// One run's logged steps (empty cells are nil).
public struct Curve: Sendable {
    public var step: [Double] = []
    public var tokens: [Double?] = []
    public var lr: [Double?] = []
    public var trainLoss: [Double?] = []
    public var valLoss: [Double?] = []

    mutating func append(step s: Double, tokens t: Double?, lr l: Double?, train: Double?, val: Double?) {
        step.append(s); tokens.append(t); lr.append(l); trainLoss.append(train); valLoss.append(val)
    }
}
