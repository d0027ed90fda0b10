import Foundation
import Support

/// Expanding-window validation by compute: runs are grouped into compute levels (by the
/// `budget` column when present, else by C within the IsoFLOP tolerance); for each of the
/// largest `steps` levels, the law is refitted on every run of smaller compute and predicts the
/// runs at that level. Errors are relative, per step and overall; their sign says whether the
/// law predicts too low or too high as it extrapolates.
enum Rollout {
    /// Laws with a loss prediction per run.
    static func applies(to law: LawName) -> Bool {
        law.shape == .finalValues && LossPrediction.predictsLoss(law)
    }

    /// Compute levels in ascending order, each with its runs' observations.
    static func levels(_ obs: [Observation], tolerance: Double) -> [[Observation]] {
        let withC = obs.filter { ($0[.C] ?? 0) > 0 }
        return IsoFLOPLaw.budgetGroups(withC, tolerance: tolerance).groups
    }

    static func evaluate(law: LawName, variable: String?, _ obs: [Observation], options: FitOptions) -> RolloutReport? {
        guard applies(to: law), options.rolloutSteps > 0 else { return nil }
        let lv = levels(obs, tolerance: options.isoFLOPBudgetTolerance)
        guard lv.count >= 2 else { return nil }
        var quiet = options
        quiet.bootstrap = 0; quiet.rolloutSteps = 0; quiet.holdoutFraction = nil
        var steps: [RolloutStep] = []
        var allRel: [Double] = []
        for k in max(1, lv.count - options.rolloutSteps)..<lv.count {
            let train = lv[..<k].flatMap { $0 }
            let cs = lv[k].map { $0[.C]! }
            let c = Foundation.exp(cs.map { Foundation.log($0) }.reduce(0, +) / Double(cs.count))
            let fittedC = train.map { $0[.C]! }.max()!
            var step = RolloutStep(compute: c, fittedRuns: Set(train.map(\.run)).count, fittedCompute: fittedC, predictions: [],
                                   meanAbsRelativeError: .nan, meanRelativeError: .nan, skipped: nil)
            do {
                let fits = try ScalingFit.fitLaw(law, train, options: quiet)
                guard let fit = fits.first(where: { $0.variable == variable }) else { step.skipped = "no fit of \(variable ?? law.rawValue) on the smaller runs"; steps.append(step); continue }
                for o in lv[k] {
                    guard let l = o[.loss], let p = LossPrediction.loss(fit, o), p.isFinite else { continue }
                    step.predictions.append(Residual(run: o.run, observed: l, predicted: p))
                }
            } catch {
                step.skipped = "\(error)"
                steps.append(step)
                continue
            }
            let rel = step.predictions.map { ($0.predicted - $0.observed) / abs($0.observed) }
            guard !rel.isEmpty else { step.skipped = "no run at this level has the inputs the law needs"; steps.append(step); continue }
            step.meanRelativeError = rel.reduce(0, +) / Double(rel.count)
            step.meanAbsRelativeError = rel.map(abs).reduce(0, +) / Double(rel.count)
            allRel += rel
            steps.append(step)
        }
        guard !allRel.isEmpty else { return steps.isEmpty ? nil : RolloutReport(steps: steps, meanAbsRelativeError: .nan, meanRelativeError: .nan) }
        return RolloutReport(steps: steps, meanAbsRelativeError: allRel.map(abs).reduce(0, +) / Double(allRel.count),
                             meanRelativeError: allRel.reduce(0, +) / Double(allRel.count))
    }
}
