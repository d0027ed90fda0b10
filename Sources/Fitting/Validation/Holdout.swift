import Foundation
import Support

/// `--holdout`: refit on the runs with the smallest compute and report the error of the
/// predicted loss on the largest-compute runs (extrapolation, the use the laws are for).
enum Holdout {
    static func evaluate(law: LawName, variable: String?, _ obs: [Observation], fraction: Double, options: FitOptions) throws -> HoldoutReport? {
        guard law.shape == .finalValues, law != .chinchillaIsoFLOP else { return nil }  // these laws predict no per-run loss
        guard fraction > 0, fraction < 1 else { throw ScaleLabError.invalid("--holdout-fraction must be in (0, 1), got \(fraction)") }
        var computeOfRun: [String: Double] = [:]
        for o in obs {
            guard let c = o[.C] else { throw ScaleLabError.data(path: o.source, reason: "--holdout orders runs by compute C; this row has no C (give C, or N and D)") }
            computeOfRun[o.run] = max(computeOfRun[o.run] ?? 0, c)
        }
        let runs = computeOfRun.keys.sorted { (computeOfRun[$0]!, $0) < (computeOfRun[$1]!, $1) }
        let held = max(1, Int((Double(runs.count) * fraction).rounded()))
        guard held < runs.count else { throw ScaleLabError.invalid("--holdout leaves no run to fit on") }
        let heldOut = Set(runs.suffix(held))
        let train = obs.filter { !heldOut.contains($0.run) }
        var noBootstrap = options
        noBootstrap.bootstrap = 0
        let fits = try ScalingFit.fitLaw(law, train, options: noBootstrap)
        guard let fit = fits.first(where: { $0.variable == variable }) else { return nil }
        var preds: [Residual] = []
        for o in obs where heldOut.contains(o.run) {
            guard let l = o[.loss], let p = LossPrediction.loss(fit, o) else { continue }
            preds.append(Residual(run: o.run, observed: l, predicted: p))
        }
        guard !preds.isEmpty else { return nil }
        let rel = preds.map { abs($0.predicted - $0.observed) / abs($0.observed) }
        return HoldoutReport(fittedRuns: runs.count - held, heldOutRuns: runs.suffix(held).map { $0 },
                             meanAbsRelativeError: rel.reduce(0, +) / Double(rel.count), maxAbsRelativeError: rel.max()!, predictions: preds)
    }
}
