import Foundation
import Support

/// What `scalelab fit` asks for.
public struct FitRequest: Sendable {
    /// A CSV file or a runs directory.
    public var path: String
    public var laws: [LawName]
    public var selection: DataSelection
    public var options: FitOptions

    public init(path: String, laws: [LawName], selection: DataSelection = DataSelection(), options: FitOptions = FitOptions()) {
        self.path = path; self.laws = laws; self.selection = selection; self.options = options
    }
}

/// Entry point of the fitting stage: load, select, fit each law, optionally hold out the
/// largest-compute runs, and report which runs were used or excluded and why.
public enum ScalingFit {
    public static func run(_ request: FitRequest) throws -> FitReport {
        guard !request.laws.isEmpty else { throw ScaleLabError.invalid("name at least one law with --law (\(LawName.allCases.map(\.rawValue).joined(separator: ", ")))") }
        var sets: [DataShape: ObservationSet] = [:]
        var fits: [LawFit] = []
        var used: [String] = [], usedSeen = Set<String>()
        var excluded: [RunExclusion] = [], excludedSeen = Set<RunExclusion>()
        if !request.options.constraints.isEmpty {
            for law in request.laws { try request.options.constraints.validate(for: law, parameters: law.constrainableParameters(options: request.options)) }
        }
        // Training curves beside final values (runs directory, or curves.csv beside results.csv),
        // for the unconverged-run check; absent curves are not an error.
        let curves = request.laws.contains { $0.shape == .finalValues } ? Convergence.curves(path: request.path, selection: request.selection) : nil
        for law in request.laws {
            let set: ObservationSet
            if let s = sets[law.shape] { set = s } else {
                set = try ObservationLoader.load(path: request.path, selection: request.selection, shape: law.shape)
                sets[law.shape] = set
                for e in set.excluded where excludedSeen.insert(e).inserted { excluded.append(e) }
            }
            guard !set.observations.isEmpty else {
                throw ScaleLabError.data(path: request.path, reason: "no usable rows for law \(law.rawValue) (\(set.excluded.count) runs excluded: \(set.excluded.prefix(5).map { "\($0.run): \($0.reason)" }.joined(separator: "; ")))")
            }
            var lawFits = try fitLaw(law, set.observations, options: request.options)
            for k in lawFits.indices {
                let v = lawFits[k].variable
                if !request.selection.columns.isEmpty { lawFits[k].columns = request.selection.columns }
                if let fraction = request.options.holdoutFraction {
                    lawFits[k].holdout = try Holdout.evaluate(law: law, variable: v, set.observations, fraction: fraction, options: request.options)
                }
                if request.options.bootstrap > 0, lawFits[k].bootstrapSamples == nil, Rollout.applies(to: law) {
                    lawFits[k].bootstrapSamples = PredictionIntervals.samples(law: law, variable: v, set.observations, resamples: request.options.bootstrap,
                                                                              seed: request.options.seed, options: request.options)
                }
                lawFits[k].rollout = Rollout.evaluate(law: law, variable: v, set.observations, options: request.options)
                lawFits[k].predictionInterval = PredictionIntervals.heldOut(law: law, variable: v, set.observations, options: request.options)
                if law.shape == .finalValues, let curves = curves, lawFits[k].diagnostics != nil {
                    let runs = Set(lawFits[k].residuals.map(\.run))
                    let flagged = Convergence.unconverged(curves, runs: runs, threshold: request.options.unconvergedThreshold)
                    lawFits[k].diagnostics!.unconvergedRuns = flagged
                    if 4 * flagged.count >= runs.count, !flagged.isEmpty, lawFits[k].diagnostics!.verdict.level == .trustworthy {
                        lawFits[k].diagnostics!.verdict = Verdict(level: .weaklyDetermined, reason: "\(flagged.count) of \(runs.count) runs were still falling fast when they stopped")
                    }
                }
            }
            fits += lawFits
            for r in set.runsUsed where usedSeen.insert(r).inserted { used.append(r) }
        }
        return FitReport(source: request.path, fits: fits, runsUsed: used, runsExcluded: excluded)
    }

    /// Fits one law (Kaplan gives one fit per variable it can).
    public static func fitLaw(_ law: LawName, _ obs: [Observation], options: FitOptions) throws -> [LawFit] {
        // Curve rows without a loss carry only the schedule, which only the annealing law reads.
        let obs = law == .annealing ? obs : obs.filter { $0[.loss] != nil }
        switch law {
        case .chinchilla: return [try ChinchillaLaw.fit(obs, options: options)]
        case .kaplan: return try KaplanLaw.fit(obs, options: options)
        case .chinchillaEnvelope: return [try EnvelopeLaw.fit(obs, options: options)]
        case .chinchillaIsoFLOP: return [try IsoFLOPLaw.fit(obs, options: options)]
        case .vocab: return [try VocabLaw.fit(obs, options: options)]
        case .annealing: return [try AnnealingLaw.fit(obs, options: options)]
        case .dataConstrained: return [try DataConstrainedLaw.fit(obs, options: options)]
        case .kaplanJoint: return [try KaplanJointLaw.fit(obs, options: options)]
        case .overtraining: return [try OvertrainingLaw.fit(obs, options: options)]
        case .hyperparams: return [try HyperparameterLaw.fit(obs, options: options)]
        case .vocabIsoFLOP: return [try VocabIsoFLOPLaw.fit(obs, options: options)]
        case .vocabDerivative: return [try VocabDerivativeLaw.fit(obs, options: options)]
        }
    }
}
