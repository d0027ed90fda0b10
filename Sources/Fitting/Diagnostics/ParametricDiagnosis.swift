import Foundation

/// Diagnostics and verdict of a fit of a parametric law (one with named parameters fitted by an
/// optimiser): bounds hit, identifiability, residual structure.
enum ParametricDiagnosis {
    /// `predict(θ)` gives the law's outputs in the space of `targets` (log loss for log-space
    /// fits); `predictors` are the inputs (N, D, C) for the residual trend.
    /// `notALaw` carries law-specific findings (a term that vanishes, a slope of the wrong sign).
    static func diagnose(map: Reparametrization, theta: [Double], targets: [Double], predictors: [String: [Double]],
                         notALaw: [String] = [], reported: [String: Double]? = nil, predict: ([Double]) -> [Double]) -> FitDiagnostics {
        var d = FitDiagnostics()
        d.constraints = map.summary
        d.onBounds = map.boundHits(theta)
        let onBound = Set(d.onBounds.map(\.parameter))
        let id = Identifiability(map: map, theta: theta, onBound: onBound, targets: targets, predict: predict)
        d.standardErrors = id.standardErrors
        if let reported {
            // Laws fitted in scaled units report raw parameters: keep the errors of those, in
            // their units (relative error × value for log-scale ones).
            d.standardErrors = [:]
            for p in map.parameters {
                guard let v = reported[p.name], let r = id.relativeErrors[p.name] else { continue }
                d.standardErrors[p.name] = p.scale == .log ? r * abs(v) : id.standardErrors[p.name]
            }
        }
        d.hessianCondition = id.condition
        d.flatDirections = id.flat
        let predicted = predict(theta)
        if predicted.count == targets.count {
            d.residualStructure = ResidualStructure.of(residuals: zip(predicted, targets).map { $0 - $1 }, predicted: predicted, predictors: predictors)
        }
        d.verdict = verdict(map: map, theta: theta, diagnostics: &d, identifiability: id)
        if !notALaw.isEmpty { d.verdict = Verdict(level: .notALaw, reason: (notALaw + (d.verdict.level == .notALaw ? [d.verdict.reason] : [])).joined(separator: "; ")) }
        return d
    }

    static func verdict(map: Reparametrization, theta: [Double], diagnostics d: inout FitDiagnostics, identifiability id: Identifiability) -> Verdict {
        let values = map.natural(theta)
        var notALaw: [String] = [], notIdentified: [String] = [], weak: [String] = []
        for hit in d.onBounds {
            guard let p = map.parameters.first(where: { $0.name == hit.parameter }) else { continue }
            switch (p.role, hit.side) {
            case (.exponent, "lower") where hit.bound <= 0:
                notALaw.append("\(p.name) ran to \(fmt(hit.bound)): the loss does not fall with the quantity it scales")
            case (.irreducible, _) where !hit.byUser:
                // E → 0 (no floor in sight) or E → the smallest loss (the floor is where the data
                // end): either way the data do not determine it. At a bound the user set, it is
                // held there (weakly determined, below).
                notIdentified.append(p.name)
                d.notIdentified.append(p.name)
            default:
                weak.append("\(p.name) held at its bound \(fmt(hit.bound))")
            }
        }
        for (j, p) in map.parameters.enumerated() where p.role == .exponent && map.isFree(j) {
            if let v = values[p.name], v < 0 { notALaw.append("\(p.name) = \(fmt(v)) < 0: the loss rises with scale") }
        }
        for name in id.singular where !d.notIdentified.contains(name) { d.notIdentified.append(name); notIdentified.append(name) }
        for name in id.relativeErrors.keys.sorted() {
            let r = id.relativeErrors[name]!
            if r > 1, !d.notIdentified.contains(name) { d.notIdentified.append(name); notIdentified.append(name) }
            else if r > 0.25 { weak.append("\(name) ±\(percent(r))") }
        }
        if let c = id.condition, c > 1e6 { weak.append("near-flat direction (condition \(String(format: "%.1e", c)))") }
        if d.residualStructure?.systematic == true { weak.append("residuals follow a trend the law misses") }
        if !notALaw.isEmpty { return Verdict(level: .notALaw, reason: notALaw.joined(separator: "; ")) }
        if !notIdentified.isEmpty {
            let why = notIdentified.map { name -> String in
                if let hit = d.onBounds.first(where: { $0.parameter == name }) {
                    return "\(name) ran to its \(hit.side) bound \(fmt(hit.bound))"
                }
                if let r = id.relativeErrors[name] { return "\(name) uncertain by ±\(percent(r))" }
                return "\(name) has no effect on the fit"
            }
            return Verdict(level: .notIdentified, reason: why.joined(separator: "; ") + "; the data do not determine it (fix it with --fix if it is known)")
        }
        if !weak.isEmpty { return Verdict(level: .weaklyDetermined, reason: weak.joined(separator: "; ")) }
        let largest = id.relativeErrors.max { $0.value < $1.value }
        return Verdict(level: .trustworthy, reason: largest.map { "largest relative standard error \($0.key) \(String(format: "%.1f", 100 * $0.value))%" } ?? "")
    }

    /// A relative error as a whole percentage; formatted, not converted to Int, because a
    /// parameter the data do not pin down can be uncertain by more than Int.max percent (lab 07's
    /// data-constrained fit: ±8e6% and beyond crashed the report).
    static func percent(_ r: Double) -> String {
        r.isFinite ? String(format: "%.0f%%", 100 * r) : "∞%"
    }
}
