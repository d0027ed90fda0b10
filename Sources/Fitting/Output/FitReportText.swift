import Foundation

/// The human-readable summary `scalelab fit` prints without --json.
extension FitReport {
    /// Excluded runs listed by name in the text report; the rest are counted.
    static let excludedShown = 20

    public func renderText() -> String {
        var out = "source: \(source)\n"
        for f in fits {
            out += "\n[\(f.law)\(f.variable.map { " L(\($0))" } ?? "")] \(f.nPoints) points\n"
            if let v = f.diagnostics?.verdict { out += "  verdict: \(v.line)\n" }
            out += f.parameterLines()
            for k in f.derived.keys.sorted() {
                guard let v = f.derived[k] else { continue }
                out += "  \(k.padding(toLength: f.nameWidth, withPad: " ", startingAt: 0)) \(fmt(v)) (derived)"
                if let ci = f.ci95?[k], ci.count == 2 { out += "   95% CI [\(fmt(ci[0])), \(fmt(ci[1]))]" }
                out += "\n"
            }
            if let b = f.bootstrap { out += "  bootstrap: \(b.resamples) resamples over runs (seed \(b.seed)), \(b.failed) failed\n" }
            let g = f.goodness
            out += "  goodness: rmse_log \(fmt(g.rmseLog)), max |rel err| \(fmt(g.maxAbsRelativeError)), R² \(fmt(g.r2)), residual autocorrelation \(fmt(g.residualAutocorrelation)), objective \(fmt(g.objective))\n"
            if let d = f.diagnostics { out += d.textLines() }
            for b in f.budgets ?? [] { out += "  " + b.line + "\n" }
            if let h = f.holdout {
                out += "  holdout: fitted on \(h.fittedRuns) smaller-compute runs; on the \(h.heldOutRuns.count) largest: mean |rel err| \(fmt(h.meanAbsRelativeError)), max \(fmt(h.maxAbsRelativeError))\n"
            }
            if let r = f.rollout { out += r.textLines() }
            if let p = f.predictionInterval { out += p.textLines() }
            for n in f.notes { out += "  note: \(n)\n" }
        }
        out += "\nruns used (\(runsUsed.count)): \(runsUsed.prefix(20).joined(separator: ", "))\(runsUsed.count > 20 ? ", …" : "")\n"
        out += "runs excluded (\(runsExcluded.count))\(runsExcluded.isEmpty ? "" : ":")\n"
        // The first rows and a count: a filter that drops a million rows must not print a million lines.
        for e in runsExcluded.prefix(Self.excludedShown) { out += "  \(e.run): \(e.reason)\n" }
        if runsExcluded.count > Self.excludedShown { out += "  … and \(runsExcluded.count - Self.excludedShown) more (all of them in the JSON output)\n" }
        return out
    }
}

extension LawFit {
    /// Column width for parameter names (at least 10; never truncating a name).
    var nameWidth: Int { max(10, (Array(params.keys) + Array(derived.keys)).map(\.count).max() ?? 0) }

    /// One line per parameter: value (or "not identified"), interval, and its constraint.
    func parameterLines() -> String {
        var out = ""
        let d = diagnostics
        for k in params.keys.sorted() {
            guard let v = params[k] else { continue }
            out += "  \(k.padding(toLength: nameWidth, withPad: " ", startingAt: 0)) "
            if d?.notIdentified.contains(k) == true {
                out += "not identified"
                if let hit = d?.onBounds.first(where: { $0.parameter == k }) { out += " (ran to its \(hit.side) bound \(fmt(hit.bound)))" }
                else if let se = d?.standardErrors[k] { out += " (\(fmt(v)) ± \(fmt(se)))" }
                out += "\n"
                continue
            }
            out += fmt(v)
            if let se = d?.standardErrors[k] { out += " ± \(fmt(se))" }
            if let ci = ci95?[k], ci.count == 2 { out += "   95% CI [\(fmt(ci[0])), \(fmt(ci[1]))]" }
            if let c = d?.constraints[k], c.hasPrefix("fixed") { out += "   (\(c))" }
            else if let hit = d?.onBounds.first(where: { $0.parameter == k }) { out += "   ON \(hit.side.uppercased()) BOUND \(fmt(hit.bound))" }
            else if let c = d?.constraints[k] { out += "   bounds \(c)" }
            out += "\n"
        }
        return out
    }
}

extension FitDiagnostics {
    func textLines() -> String {
        var out = ""
        if let c = hessianCondition { out += "  Hessian (Gauss-Newton, unit diagonal) condition: \(String(format: "%.3g", c))\n" }
        for f in flatDirections {
            let comps = f.components.keys.sorted().map { "\($0) \(String(format: "%+.2f", f.components[$0]!))" }.joined(separator: ", ")
            out += "  near-flat direction (relative curvature \(String(format: "%.2g", f.relativeCurvature))): \(comps)\n"
        }
        if let r = residualStructure { out += "  residuals: \(r.line)\n" }
        if !unconvergedRuns.isEmpty {
            out += "  unconverged (loss still falling > 5% per doubling of tokens at the end): " + unconvergedRuns.map { "\($0.run) (\(String(format: "%.1f", 100 * $0.dropPerDoubling))%)" }.joined(separator: ", ") + "\n"
        }
        return out
    }
}

extension IsoFLOPBudget {
    var line: String {
        var s = "budget C=\(fmt(compute)) (\(points) runs): "
        if let e = excluded { s += "excluded: \(e)" }
        else if let n = nOpt, let l = lossAtOpt { s += "N_opt \(fmt(n)), loss \(fmt(l))" }
        if let used = sizesUsed, !used.isEmpty { s += "; parabola on N = \(used.map(fmt).joined(separator: ", "))" }
        return s
    }
}

extension RolloutReport {
    func textLines() -> String {
        var out = "  rollout by compute: mean |rel err| \(fmt(meanAbsRelativeError)), mean rel err \(String(format: "%+.4f", meanRelativeError))\n"
        for s in steps {
            if let why = s.skipped { out += "    C=\(fmt(s.compute)): skipped (\(why))\n"; continue }
            out += "    C=\(fmt(s.compute)) from \(s.fittedRuns) runs up to C=\(fmt(s.fittedCompute)) (\(String(format: "%.1f", s.compute / s.fittedCompute))x): mean |rel err| \(fmt(s.meanAbsRelativeError)), mean rel err \(String(format: "%+.4f", s.meanRelativeError))\n"
        }
        return out
    }
}

extension PredictionIntervalReport {
    func textLines() -> String {
        var out = "  \(Int((level * 100).rounded()))% prediction intervals (\(method), fitted on \(fittedRuns) runs)"
        if let c = coverage { out += ", observed inside: \(String(format: "%.0f", 100 * c))%" }
        out += "\n"
        for p in points {
            out += "    \(p.run ?? "point"): predicted \(fmt(p.predicted)) [\(fmt(p.low)), \(fmt(p.high))]" + (p.observed.map { ", observed \(fmt($0))" } ?? "") + "\n"
        }
        return out
    }
}

func fmt(_ x: Double) -> String {
    guard x.isFinite else { return "\(x)" }
    let a = abs(x)
    return (a != 0 && (a < 1e-3 || a >= 1e6)) ? String(format: "%.5g", x) : String(format: "%.6g", x)
}
