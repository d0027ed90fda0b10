import Fitting
import Foundation
import Support

/// Everything the report knows about the Fitting module's output lives here: choosing the laws a
/// study's data allow, running them through `ScalingFit.run`, reading a `--fit` file (refused
/// when it was fitted to other runs), judging whether each fit means anything, and turning
/// `FitReport` into `StudyFits`.
public enum FitAdapter {
    /// Approach 3 in the report's own fits starts from every k-th point of the Hoffmann grid.
    static let reportGridStride = 5
    /// Bootstrap resamples for the intervals of laws fitted by the report (resampling whole runs).
    public static let bootstrapResamples = 100

    // MARK: - fits read from a file

    public static func load(fitFile path: String, study: Study) throws -> StudyFits {
        let report = try readReport(path)
        let known = Set(study.runs.flatMap { [$0.id, $0.name, ($0.id as NSString).lastPathComponent] })
        guard !report.runsUsed.isEmpty else {
            throw ScaleLabError.data(path: path, reason: "the fit names no runs (runs_used is empty), so it cannot be matched to \(study.root)")
        }
        let foreign = report.runsUsed.filter { !known.contains($0) }
        guard foreign.isEmpty else {
            throw ScaleLabError.data(path: path, reason: "fitted to other runs: \(foreign.count) of its \(report.runsUsed.count) runs are not in \(study.root) (e.g. \(foreign.prefix(3).joined(separator: ", "))); fit this study with 'scalelab fit \(study.root) --out FILE' or leave out --fit")
        }
        var fits = convert(report, study: study)
        fits.origin = "read from \((path as NSString).lastPathComponent), fitted by 'scalelab fit' to \(report.source)"
        return fits
    }

    /// Reads a fit file. Unlike `Prediction.readReport`, it accepts the "nan"/"inf" strings that
    /// `JSONOutput` writes for non-finite numbers (approach 2's objective is NaN), so every file
    /// `scalelab fit --out` writes can be read back.
    static func readReport(_ path: String) throws -> FitReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw ScaleLabError.io(path: path, reason: "cannot read fit file") }
        let decoder = JSONOutput.decoder()
        do { return try decoder.decode(FitReport.self, from: data) } catch {
            throw ScaleLabError.data(path: path, reason: "not a fit file written by 'scalelab fit --out': \(error)")
        }
    }

    // MARK: - fits chosen from the data

    /// Fits each law the data allow; laws the data cannot support are listed with the reason.
    public static func fitAll(_ study: Study) -> StudyFits {
        let runs = study.finished.filter { r in
            [r.nParams, r.tokens, r.finalValLoss].allSatisfy { ($0 ?? 0) > 0 && ($0 ?? 0).isFinite }
        }
        var plans: [(LawName, String)] = []   // law, CSV text
        var skipped: [(String, String)] = []
        let sizes = Set(runs.compactMap(\.nParams)).count, lengths = Set(runs.compactMap(\.tokens)).count
        let header = "run,N,D,C,V,d,U,loss\n"
        func row(_ r: RunRecord, c: Double?, n: Double? = nil) -> String {
            func f(_ x: Double?) -> String { x.map { String($0) } ?? "" }
            return [csvField(r.id), f(n ?? r.nParams), f(r.tokens), f(c), f(r.vocabSize), f(r.dModel), f(r.uniqueTokens), f(r.finalValLoss)].joined(separator: ",")
        }
        let finalCSV = header + runs.map { row($0, c: $0.flops) }.joined(separator: "\n") + "\n"

        // Loss per token does not compare across vocabularies (a token of a larger vocabulary holds
        // more text): laws of N, D and C over the loss are fitted only when every run has one V.
        let vocabs = Set(runs.compactMap(\.vocabSize)).count
        let perTokenLaws: Set<LawName> = [.kaplan, .chinchillaIsoFLOP, .chinchilla, .chinchillaEnvelope]
        /// Plans `law` when the data support it, else records why not (`why` nil: say nothing).
        func decide(_ law: LawName, _ supported: Bool, _ why: @autoclosure () -> String?, _ csv: () -> String) {
            if vocabs > 1, perTokenLaws.contains(law) {
                skipped.append((law.rawValue, "the runs have \(vocabs) vocabulary sizes, and loss per token does not compare across them (compare bits per byte, or fit one vocabulary at a time)"))
            } else if supported {
                plans.append((law, csv()))
            } else if let why = why() {
                skipped.append((law.rawValue, why))
            }
        }

        decide(.kaplan, sizes >= 3 || lengths >= 3,
               "needs 3 or more model sizes or token counts among finished runs; found \(sizes) and \(lengths)") { finalCSV }

        // Approach 2 groups runs by their planned budget when the sweep gives one.
        let budgets = isoflopGroups(runs)
        let usable = budgets.filter { Set($0.runs.compactMap(\.nParams)).count >= 3 }
        decide(.chinchillaIsoFLOP, usable.count >= 3,
               "needs 3 or more compute budgets with 3 or more model sizes each; found \(usable.count) (of \(budgets.count) budgets)") {
            header + budgets.flatMap { g in g.runs.map { row($0, c: g.compute) } }.joined(separator: "\n") + "\n"
        }

        decide(.chinchilla, runs.count >= 10 && sizes >= 3 && lengths >= 3,
               "approach 3 needs 10 or more finished runs over 3 or more model sizes and 3 or more token counts; found \(runs.count) runs, \(sizes) sizes, \(lengths) token counts") { finalCSV }

        decide(.vocab, runs.count >= 12 && vocabs >= 3,
               vocabs > 1 ? "needs 12 or more finished runs over 3 or more vocabulary sizes; found \(runs.count) runs, \(vocabs) sizes" : nil) {
            header + runs.map { row($0, c: $0.flops, n: $0.nParamsNonEmbedding) }.joined(separator: "\n") + "\n"
        }

        // Curve laws: approach 1 over model sizes; annealing within one model size.
        let curveRuns = runs.filter { (study.curves[$0.id]?.valLoss.compactMap { $0 }.count ?? 0) >= 2 }
        let curveSizes = Set(curveRuns.compactMap(\.nParams)).count
        decide(.chinchillaEnvelope, curveSizes >= 3,
               curveRuns.isEmpty ? nil : "needs training curves of 3 or more model sizes; found \(curveSizes)") { curvesCSV(curveRuns, study) }

        var fits = StudyFits()
        fits.origin = "fitted by the report to the finished runs (approach 3 from every \(Self.reportGridStride)th start of the Hoffmann grid; scalelab fit uses all of it)"
        var reports: [FitReport] = []
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-report-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (law, csv) in plans {
            var options = FitOptions()
            options.bootstrap = law == .chinchilla ? bootstrapResamples : 0
            // A quick look, not the reference fit: every 5th start of the Hoffmann grid (900 of 4,500)
            // keeps a 100-run report under 2 s; `scalelab fit` (and `reproduce`) use the whole grid.
            options.gridStride = Self.reportGridStride
            // Hold out the largest-compute fifth when the rest still meets the law's minimum.
            let left = runs.count - Int((Double(runs.count) * 0.2).rounded())
            if (law == .chinchilla && left >= 10) || (law == .kaplan && left >= 8) { options.holdoutFraction = 0.2 }
            do {
                let file = tmp.appendingPathComponent("\(law.rawValue).csv")
                try AtomicFile.write(csv, to: file, durable: false)
                do {
                    reports.append(try ScalingFit.run(FitRequest(path: file.path, laws: [law], options: options)))
                } catch where options.holdoutFraction != nil {
                    // Too few runs left to refit without the held-out ones: fit all, check nothing.
                    options.holdoutFraction = nil
                    var r = try ScalingFit.run(FitRequest(path: file.path, laws: [law], options: options))
                    for i in r.fits.indices { r.fits[i].notes.append("no held-out check: " + describe(error, tmp)) }
                    reports.append(r)
                }
            } catch {
                skipped.append((law.rawValue, "not fitted: " + describe(error, tmp)))
            }
        }
        if let anneal = annealingPlan(curveRuns, study) {
            do {
                let file = tmp.appendingPathComponent("annealing.csv")
                try AtomicFile.write(curvesCSV(anneal.fitted, study), to: file, durable: false)
                var options = FitOptions()
                if anneal.fitted.count >= 3 { options.bootstrap = bootstrapResamples }
                let r = try ScalingFit.run(FitRequest(path: file.path, laws: [.annealing], options: options))
                reports.append(r)
            } catch {
                skipped.append(("annealing", "not fitted: " + describe(error, tmp)))
            }
        } else if !curveRuns.isEmpty {
            skipped.append(("annealing", "needs a finished training curve with 8 or more validation points after step 0"))
        }
        let merged = FitReport(source: study.root, fits: reports.flatMap(\.fits), runsUsed: unique(reports.flatMap(\.runsUsed)),
                               runsExcluded: reports.flatMap(\.runsExcluded))
        fits = convert(merged, study: study)
        fits.origin = "fitted by the report to the finished runs (\(bootstrapResamples) bootstrap resamples over runs for the intervals of approach 3)"
        fits.skipped = skipped + fits.skipped
        fits.json = try? JSONOutput.encode(merged)
        return fits
    }

    /// Runs grouped into IsoFLOP budgets: by the sweep's `budget` column when given, else by FLOPs
    /// within 5% (as the fit groups them).
    static func isoflopGroups(_ runs: [RunRecord]) -> [(compute: Double, runs: [RunRecord])] {
        if runs.contains(where: { $0.budget != nil }) {
            let by = Dictionary(grouping: runs.filter { $0.budget != nil }, by: { $0.budget! })
            return by.keys.sorted().map { ($0, by[$0]!) }
        }
        var groups: [(compute: Double, runs: [RunRecord])] = []
        for r in runs.filter({ ($0.flops ?? 0) > 0 }).sorted(by: { $0.flops! < $1.flops! }) {
            if let last = groups.last, r.flops! <= last.runs[0].flops! * 1.05 { groups[groups.count - 1].runs.append(r) }
            else { groups.append((r.flops!, [r])) }
        }
        return groups.map { g in (Foundation.exp(g.runs.map { Foundation.log($0.flops!) }.reduce(0, +) / Double(g.runs.count)), g.runs) }
    }

    /// The annealing law describes one model: use the size with the most curves; with two or
    /// more, hold out the longest run and predict its curve from the others.
    static func annealingPlan(_ runs: [RunRecord], _ study: Study) -> (fitted: [RunRecord], heldOut: RunRecord?)? {
        let ok = runs.filter { r in
            guard let c = study.curves[r.id] else { return false }
            return zip(c.step, zip(c.lr, c.valLoss)).filter { $0.0 > 0 && $0.1.0 != nil && $0.1.1 != nil }.count >= 8
        }
        let bySize = Dictionary(grouping: ok, by: { $0.nParams ?? 0 })
        guard let group = bySize.values.max(by: { ($0.count, $0.first?.nParams ?? 0) < ($1.count, $1.first?.nParams ?? 0) }) else { return nil }
        let sorted = group.sorted { ($0.tokens ?? 0, $0.id) < ($1.tokens ?? 0, $1.id) }
        if sorted.count >= 2 { return (Array(sorted.dropLast()), sorted.last) }
        return (sorted, nil)
    }

    /// The curve table the curve laws read (run, step, lr, loss, D, N), from step 1 on.
    public static func curvesCSV(_ runs: [RunRecord], _ study: Study) -> String {
        var out = "run,step,lr,loss,D,N\n"
        for r in runs {
            guard let c = study.curves[r.id] else { continue }
            // Every logged step's learning rate (the annealing law integrates the schedule), the
            // loss where validated; step 0's loss is the untrained model's, which no law describes.
            for i in c.step.indices {
                guard let lr = c.lr[i] else { continue }
                let l = c.step[i] > 0 ? c.valLoss[i].map { String($0) } ?? "" : ""
                out += "\(csvField(r.id)),\(c.step[i]),\(lr),\(l),\(c.tokens[i].map { String($0) } ?? ""),\(r.nParams.map { String($0) } ?? "")\n"
            }
        }
        return out
    }

    /// The fit's message without the temporary table's path (the rows are the study's runs).
    static func describe(_ error: Error, _ tmp: URL) -> String {
        let text = "\(error)"
        guard let re = try? NSRegularExpression(pattern: NSRegularExpression.escapedPattern(for: tmp.path) + "/[^ :]+(:[0-9]+)?") else { return text }
        return re.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "the study's runs")
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func unique(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }

    // MARK: - FitReport → StudyFits

    static func convert(_ report: FitReport, study: Study) -> StudyFits {
        var out = StudyFits()
        out.excludedRuns = report.runsExcluded.map { ($0.run, $0.reason) }
        let minLoss = study.finished.compactMap(\.finalValLoss).min() ?? .infinity
        for f in report.fits {
            let law = convert(f, minLoss: minLoss)
            out.laws.append(law)
            // A held-out check tests the fitted surface's predictions, which can hold where the
            // parameters are not identified: it is shown either way, and says which.
            if let p = f.predictionInterval, out.holdout?.intervalLevel == nil || f.law == "chinchilla" {
                // Held-out runs with their bootstrap prediction intervals: the stronger check, so
                // it wins over a plain --holdout split.
                let points = p.points.compactMap { q in q.observed.map { (run: q.run ?? "", observed: $0, predicted: q.predicted, low: q.low, high: q.high) } }
                if !points.isEmpty {
                    var h = StudyFits.Holdout(law: law.title, fittedRuns: p.fittedRuns, predictions: points.map { ($0.run, $0.observed, $0.predicted) },
                                              meanAbsRelativeError: points.map { abs($0.predicted - $0.observed) / $0.observed }.reduce(0, +) / Double(points.count))
                    for q in points { h.intervals[q.run] = (q.low, q.high) }
                    h.intervalLevel = p.level
                    h.lawIdentified = law.meaningful
                    out.holdout = h
                }
            }
            if let h = f.holdout, out.holdout == nil || (out.holdout?.intervalLevel == nil && f.law == "chinchilla") {
                out.holdout = .init(law: law.title, fittedRuns: h.fittedRuns, predictions: h.predictions.map { ($0.run, $0.observed, $0.predicted) },
                                    meanAbsRelativeError: h.meanAbsRelativeError)
                out.holdout?.lawIdentified = law.meaningful
            }
            guard law.meaningful else { continue }
            switch LawName(rawValue: f.law) {
            case .chinchillaIsoFLOP:
                out.isoflop = pair(f)
                out.isoflopBudgets = (f.budgets ?? []).map { ($0.compute, $0.nOpt, $0.lossAtOpt, $0.excluded) }
            case .chinchillaEnvelope: out.envelope = pair(f)
            case .chinchilla:
                out.chinchilla = f.params
                out.residuals = f.residuals.map { ($0.run, $0.observed, $0.predicted) }
                out.residualsLaw = "approach 3"
            case .kaplan:
                if let v = f.variable { out.kaplan[v] = f.params }
            case .annealing: out.annealing = annealingCurves(f, study: study)
            default: break
            }
        }
        return out
    }

    /// The law's curve for each run it was fitted to, and its prediction for the other runs of
    /// the same model size (held out: their curves were not used).
    static func annealingCurves(_ f: LawFit, study: Study) -> StudyFits.Annealing {
        let fitted = unique(f.residuals.map(\.run))
        let sizes = Set(study.runs.filter { fitted.contains($0.id) || fitted.contains($0.name) }.compactMap(\.nParams))
        let others = study.finished.filter { !fitted.contains($0.id) && !fitted.contains($0.name) && sizes.contains($0.nParams ?? -1) && study.curves[$0.id] != nil }
        var a = StudyFits.Annealing(fittedRuns: fitted, heldOutRun: others.first?.id, predicted: [])
        for id in fitted + others.map(\.id) {
            guard let c = study.curves[id] ?? study.runs.first(where: { $0.name == id }).flatMap({ study.curves[$0.id] }) else { continue }
            let pairs = zip(c.step, c.lr).compactMap { s, l in l.map { (s, $0) } }
            guard pairs.count >= 2 else { continue }
            a.predicted.append((id, pairs.map(\.0), AnnealingLaw.predictCurve(f, steps: pairs.map(\.0), lr: pairs.map(\.1))))
        }
        return a
    }

    static func pair(_ f: LawFit) -> StudyFits.PowerLawPair? {
        guard let a = f.params["a"], let b = f.params["b"], let kN = f.params["k_N"], let kD = f.params["k_D"] else { return nil }
        func ci(_ k: String) -> (Double, Double)? { f.ci95?[k].flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil } }
        return .init(a: a, b: b, kN: kN, kD: kD, aCI: ci("a"), bCI: ci("b"))
    }

    static let titles: [String: String] = [
        "kaplan": "Kaplan et al. 2020", "chinchilla-envelope": "Chinchilla approach 1 (envelope)",
        "chinchilla-isoflop": "Chinchilla approach 2 (IsoFLOP)", "chinchilla": "Chinchilla approach 3 (parametric)",
        "vocab": "Vocabulary law (Tao et al. 2024)", "annealing": "LR annealing (Tissue et al. 2024)",
        "data-constrained": "Data-constrained (Muennighoff et al. 2023)",
    ]

    static func formula(_ f: LawFit) -> String {
        switch LawName(rawValue: f.law) {
        case .kaplan:
            let v = f.variable ?? "X"
            return (f.params["E"] != nil ? "L(\(v)) = E + (\(v)_{c} / \(v))^{α_{\(v)}}" : "L(\(v)) = (\(v)_{c} / \(v))^{α_{\(v)}}")
        case .chinchillaIsoFLOP, .chinchillaEnvelope: return "N_{opt} = k_{N} · C^{a},  D_{opt} = k_{D} · C^{b}"
        case .chinchilla: return "L(N, D) = E + A / N^{α} + B / D^{β}"
        case .vocab: return "L(N_{nv}, N_{v}, D) = −E + A₁ / N_{nv}^{α} + A₂ / N_{v}^{α₂} + B / D^{α}"
        case .annealing: return "L(s) = L₀ + A · S₁(s)^{−α} − C · S₂(s)"
        case .dataConstrained: return "L = E + A / N′^{α} + B / D′^{β} (effective N′, D′ under repetition)"
        case .kaplanJoint: return "L(N, D) = [(N_{c} / N)^{α_{N}/α_{D}} + D_{c} / D]^{α_{D}}"
        case .overtraining: return "L(C, M) = E + (a · M^{η} + b · M^{−η}) · C^{−α_{C}}"
        case .hyperparams: return "η_{opt} = c · N^{α} · D^{β},  B_{opt} = d · D^{γ}"
        case .vocabIsoFLOP, .vocabDerivative: return "N_{v,opt} ∝ N_{nv}^{γ}"
        case nil: return f.law
        }
    }

    /// Whether the fit says something about the data; if not, why.
    static func verdict(_ f: LawFit, minLoss: Double) -> String? {
        let g = f.goodness
        if !g.r2.isFinite || !g.rmseLog.isFinite { return "the fit did not converge to finite values" }
        // The fitting module's own verdict comes first: it sees bounds, the Hessian and the residuals.
        if let v = f.diagnostics?.verdict, v.level == .notIdentified || v.level == .notALaw { return v.line }
        func ci(_ k: String) -> (Double, Double)? { f.ci95?[k].flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil } }
        switch LawName(rawValue: f.law) {
        case .chinchilla:
            for k in ["alpha", "beta"] {
                guard let v = f.params[k], v > 0.02, v < 3 else { return "exponent \(k) = \(fmt(f.params[k] ?? .nan)) is at the edge of what the data can determine" }
                if let (lo, hi) = ci(k), lo <= 0.01 || hi / max(lo, 1e-12) > 4 { return "the 95% interval of \(k) is [\(fmt(lo)), \(fmt(hi))]: the data do not determine it" }
            }
            if let e = f.params["E"], e >= minLoss { return "irreducible loss E = \(fmt(e)) is not below the lowest observed loss \(fmt(minLoss))" }
        case .chinchillaIsoFLOP:
            if (f.settings["budgets_used"] ?? 0) < 3 { return "only \(Int(f.settings["budgets_used"] ?? 0)) budgets have an interior minimum: a power law through 2 points is not a test" }
        case .kaplan:
            if let v = f.variable, let a = f.params["alpha_\(v)"], a <= 0 { return "loss does not fall with \(v) (α = \(fmt(a)))" }
        default: break
        }
        if g.r2 < 0.5 {
            let what = f.law == "chinchilla-isoflop" || f.law == "chinchilla-envelope" ? "of N_opt" : "of the loss"
            return "explains less than half of the variance \(what) (R² = \(fmt(g.r2)))"
        }
        return nil
    }

    static func convert(_ f: LawFit, minLoss: Double) -> StudyFits.Law {
        func params(_ d: [String: Double]) -> [StudyFits.Law.Parameter] {
            d.keys.sorted().map { k in
                StudyFits.Law.Parameter(name: k, value: d[k]!, ci95: f.ci95?[k].flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
            }
        }
        let why = verdict(f, minLoss: minLoss)
        var notes = f.notes
        if let b = f.bootstrap { notes.append("95% intervals: \(b.resamples) bootstrap resamples over runs (\(b.failed) failed), seed \(b.seed)") }
        if let h = f.holdout { notes.append("held out the \(h.heldOutRuns.count) largest-compute runs: mean |relative error| \(fmt(h.meanAbsRelativeError * 100))% when fitted on the other \(h.fittedRuns)") }
        let key = f.variable.map { "\(f.law) L(\($0))" } ?? f.law
        return StudyFits.Law(key: key, title: (titles[f.law] ?? f.law) + (f.variable.map { ", L(\($0))" } ?? ""), formula: formula(f),
                             parameters: params(f.params), derived: params(f.derived), points: f.nPoints, r2: f.goodness.r2,
                             rmseLog: f.goodness.rmseLog, meaningful: why == nil, verdict: why ?? "", notes: notes)
    }

    static func fmt(_ x: Double) -> String { Format.number(x) }
}
