extension LawName {
    /// The names `--fix` and `--bound` accept for this law (empty: the law takes none).
    public func constrainableParameters(options: FitOptions) -> [String] {
        switch self {
        case .chinchilla: return ChinchillaLaw.parameterNames
        case .kaplan: return KaplanLaw.parameterNames(irreducible: options.kaplanIrreducible)
        case .dataConstrained: return ChinchillaLaw.parameterNames + DataConstrainedLaw.decayParameterNames
        case .kaplanJoint: return KaplanJointLaw.parameterNames
        case .annealing: return AnnealingLaw.parameterNames
        case .vocab: return VocabLaw.parameterNames
        case .overtraining: return OvertrainingLaw.parameterNames
        default: return []
        }
    }
}

extension Array where Element: Hashable {
    /// Elements in first-seen order without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
