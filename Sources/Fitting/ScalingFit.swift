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
        var excluded: [RunExclusion] = []
        if !request.options.constraints.isEmpty {
            for law in request.laws { try request.options.constraints.validate(for: law, parameters: law.constrainableParameters(options: request.options)) }
        }
        for law in request.laws {
            let set: ObservationSet
            if let s = sets[law.shape] { set = s } else {
                set = try ObservationLoader.load(path: request.path, selection: request.selection, shape: law.shape)
                sets[law.shape] = set
                for e in set.excluded where !excluded.contains(e) { excluded.append(e) }
            }
            guard !set.observations.isEmpty else {
                throw ScaleLabError.data(path: request.path, reason: "no usable rows for law \(law.rawValue) (\(set.excluded.count) runs excluded: \(set.excluded.prefix(5).map { "\($0.run): \($0.reason)" }.joined(separator: "; ")))")
            }
            var lawFits = try fitLaw(law, set.observations, options: request.options)
            if let fraction = request.options.holdoutFraction {
                for k in lawFits.indices {
                    lawFits[k].holdout = try Holdout.evaluate(law: law, variable: lawFits[k].variable, set.observations, fraction: fraction, options: request.options)
                }
            }
            fits += lawFits
            for r in set.runsUsed where usedSeen.insert(r).inserted { used.append(r) }
        }
        return FitReport(source: request.path, fits: fits, runsUsed: used, runsExcluded: excluded)
    }

    /// Fits one law (Kaplan gives one fit per variable it can).
    public static func fitLaw(_ law: LawName, _ obs: [Observation], options: FitOptions) throws -> [LawFit] {
        switch law {
        case .chinchilla: return [try ChinchillaLaw.fit(obs, options: options)]
        case .kaplan: return try KaplanLaw.fit(obs, options: options)
        case .chinchillaEnvelope: return [try EnvelopeLaw.fit(obs, options: options)]
        case .chinchillaIsoFLOP: return [try IsoFLOPLaw.fit(obs, options: options)]
        case .vocab: return [try VocabLaw.fit(obs, options: options)]
        case .annealing: return [try AnnealingLaw.fit(obs, options: options)]
        case .dataConstrained: return [try DataConstrainedLaw.fit(obs, options: options)]
        }
    }
}
