import Foundation
import Support
import Training

/// The per-size learning-rate search: each size's rate is the one whose short run reached the
/// lowest final validation loss (diverged and unfinished runs do not count). `lr_tuning.csv`
/// records every candidate and the choice.
public enum LRTuning {
    /// Choices for every group whose search runs have all ended.
    public static func choices(_ runs: [PlannedRun], directory: SweepDirectory) -> [String: Double] {
        var byGroup: [String: [PlannedRun]] = [:]
        for r in runs where r.role == .lrTune { if let g = r.tuneGroup { byGroup[g, default: []].append(r) } }
        var out: [String: Double] = [:]
        for (g, candidates) in byGroup {
            let statuses = candidates.map { directory.status(of: $0) }
            guard statuses.allSatisfy({ $0 == .done || $0 == .diverged || $0 == .failed }) else { continue }
            let scored = candidates.compactMap { r -> (Double, Double)? in
                guard directory.status(of: r) == .done, let v = directory.summary(r.id)?.finalValLoss, v.isFinite else { return nil }
                return (r.config.training.lr, v)
            }
            if let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) { out[g] = best.0 }
        }
        return out
    }

    public static func write(_ runs: [PlannedRun], choices: [String: Double], directory: SweepDirectory) throws {
        let tune = runs.filter { $0.role == .lrTune }
        guard !tune.isEmpty else { return }
        var out = CSV.line(["tune_group", "family", "vocab_size", "run_id", "lr", "tokens", "status", "final_val_loss", "chosen"])
        for r in tune {
            let v = directory.summary(r.id)?.finalValLoss
            let chosen = r.tuneGroup.flatMap { choices[$0] } == r.config.training.lr
            out += CSV.line([r.tuneGroup ?? "", r.family, "\(r.config.model.vocabSize)", r.id, "\(r.config.training.lr)", "\(r.tokens)",
                             directory.status(of: r).rawValue, v.map { "\($0)" } ?? "", chosen ? "yes" : ""])
        }
        try AtomicFile.write(out, to: directory.tuningURL)
    }
}
