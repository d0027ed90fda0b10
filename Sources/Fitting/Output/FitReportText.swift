import Foundation

/// The human-readable summary `scalelab fit` prints without --json.
extension FitReport {
    public func renderText() -> String {
        var out = "source: \(source)\n"
        for f in fits {
            out += "\n[\(f.law)\(f.variable.map { " L(\($0))" } ?? "")] \(f.nPoints) points\n"
            for k in f.params.keys.sorted() {
                out += "  \(k.padding(toLength: 10, withPad: " ", startingAt: 0)) \(fmt(f.params[k]!))"
                if let ci = f.ci95?[k] { out += "   95% CI [\(fmt(ci[0])), \(fmt(ci[1]))]" }
                out += "\n"
            }
            for k in f.derived.keys.sorted() {
                out += "  \(k.padding(toLength: 10, withPad: " ", startingAt: 0)) \(fmt(f.derived[k]!)) (derived)"
                if let ci = f.ci95?[k] { out += "   95% CI [\(fmt(ci[0])), \(fmt(ci[1]))]" }
                out += "\n"
            }
            if let b = f.bootstrap { out += "  bootstrap: \(b.resamples) resamples over runs (seed \(b.seed)), \(b.failed) failed\n" }
            let g = f.goodness
            out += "  goodness: rmse_log \(fmt(g.rmseLog)), max |rel err| \(fmt(g.maxAbsRelativeError)), R² \(fmt(g.r2)), residual autocorrelation \(fmt(g.residualAutocorrelation)), objective \(fmt(g.objective))\n"
            for b in f.budgets ?? [] {
                out += "  budget C=\(fmt(b.compute)) (\(b.points) runs): " + (b.excluded.map { "excluded: \($0)" } ?? "N_opt \(fmt(b.nOpt!)), loss \(fmt(b.lossAtOpt!))") + "\n"
            }
            if let h = f.holdout {
                out += "  holdout: fitted on \(h.fittedRuns) smaller-compute runs; on the \(h.heldOutRuns.count) largest: mean |rel err| \(fmt(h.meanAbsRelativeError)), max \(fmt(h.maxAbsRelativeError))\n"
            }
            for n in f.notes { out += "  note: \(n)\n" }
        }
        out += "\nruns used (\(runsUsed.count)): \(runsUsed.prefix(20).joined(separator: ", "))\(runsUsed.count > 20 ? ", …" : "")\n"
        out += "runs excluded (\(runsExcluded.count))\(runsExcluded.isEmpty ? "" : ":")\n"
        for e in runsExcluded { out += "  \(e.run): \(e.reason)\n" }
        return out
    }
}

func fmt(_ x: Double) -> String {
    guard x.isFinite else { return "\(x)" }
    let a = abs(x)
    return (a != 0 && (a < 1e-3 || a >= 1e6)) ? String(format: "%.5g", x) : String(format: "%.6g", x)
}
