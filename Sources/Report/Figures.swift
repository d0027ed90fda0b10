import Charts
import Foundation

/// One figure of the report: the chart and a caption that says what it shows.
public struct Figure: Sendable {
    public var id: String
    public var title: String
    public var caption: String
    public var chart: Chart
}

/// The report's figures, each drawn when its data exist; the others are listed with the reason.
public enum Figures {
    public static func build(_ study: Study, _ fits: StudyFits) -> (figures: [Figure], skipped: [(title: String, reason: String)]) {
        var figures: [Figure] = [], skipped: [(String, String)] = []
        let builders: [(String, (Study, StudyFits) -> Result<Figure, Skip>)] = [
            ("Training loss curves", lossCurves), ("Learning-rate schedules", schedules), ("IsoFLOP profiles", isoflopProfiles),
            ("Compute-optimal N and D", optimalAllocation), ("Loss against compute", lossVsCompute),
            ("Approach 3: predicted against observed", approach3), ("Bits per byte against vocabulary size", bitsPerByteVsVocab),
            ("LR-annealing law", annealing), ("Prediction check on held-out runs", predictionCheck),
            ("Repeated data", repetition),
        ]
        for (title, build) in builders {
            switch build(study, fits) {
            case let .success(f): figures.append(f)
            case let .failure(s): skipped.append((title, s.reason))
            }
        }
        return (figures, skipped)
    }

    public struct Skip: Error { var reason: String; init(_ r: String) { reason = r } }

    static let lossAxis = "Validation loss (nats/token)"

    /// Results runs with curves (trunks drawn by their branches).
    static func curveRuns(_ study: Study) -> [RunRecord] {
        study.runs.filter { !$0.isTrunk && study.curves[$0.id] != nil }
    }

    /// Colour by model size when sizes vary, else by training tokens.
    static func colouring(_ runs: [RunRecord]) -> (bar: ColorBar?, color: (RunRecord) -> Color) {
        let ns = runs.compactMap(\.nParams).filter { $0 > 0 }, ds = runs.compactMap(\.tokens).filter { $0 > 0 }
        func bar(_ title: String, _ v: [Double]) -> ColorBar {
            let lo = v.min()!, hi = v.max()!
            return ColorBar(title, kind: .log, domain: (lo / 1.05)...(hi * 1.05), format: .si)
        }
        if Set(ns).count >= 2 { let b = bar("Parameters N", ns); return (b, { r in r.nParams.map(b.color) ?? .grey }) }
        if Set(ds).count >= 2 { let b = bar("Training tokens D", ds); return (b, { r in r.tokens.map(b.color) ?? .grey }) }
        return (nil, { _ in ColorMap.viridis(0.3) })
    }

    static func lossCurves(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        let runs = curveRuns(study)
        guard !runs.isEmpty else { return .failure(Skip("no training curves (metrics.csv or curves.csv) to draw")) }
        let (bar, color) = colouring(runs)
        var chart = Chart(id: "fig-loss-curves", x: Axis("Training tokens D", .log, format: .si), y: Axis(lossAxis, .log))
        chart.colorBar = bar
        var drawn = 0
        for r in runs {
            guard let c = study.curves[r.id] else { continue }
            let x = zip(c.step, c.tokens).map { $1 ?? $0 }
            let val = zip(x, c.valLoss).compactMap { x, v in v.map { Point(x, $0) } }.filter { $0.x > 0 }
            let train = zip(x, c.trainLoss).compactMap { x, v in v.map { Point(x, $0) } }.filter { $0.x > 0 }
            if runs.count == 1 {
                chart.series.append(Series("training loss", train, color: .lightGrey.darker, lineWidth: 1))
                chart.series.append(Series("validation loss", val, color: ColorMap.viridis(0.25), lineWidth: 1.6, marker: Marker(.circle, size: 2.6)))
                chart.y.title = "Loss (nats/token)"
            } else {
                let pts = val.count >= 2 ? val : train
                chart.series.append(Series(nil, pts, color: color(r), lineWidth: r.status == .done ? 1.4 : 1, dash: r.status == .done ? nil : [3, 2]))
            }
            drawn += 1
        }
        let unfinished = runs.filter { $0.status != .done }.count
        let what = runs.count == 1 ? "training loss (grey) and validation loss (points) of run \(runs[0].name)"
            : "validation loss of \(drawn) runs" + (bar != nil ? ", coloured by \(bar!.title.lowercased()) (colour bar)" : "")
        return .success(Figure(id: "loss-curves", title: "Training loss curves",
                               caption: "Loss against training tokens (log–log): \(what)." + (unfinished > 0 ? " Dashed: \(unfinished) runs that did not finish." : ""),
                               chart: chart))
    }

    static func schedules(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        let runs = curveRuns(study).filter { (study.curves[$0.id]?.lr.compactMap { $0 }.count ?? 0) >= 2 }
        guard !runs.isEmpty else { return .failure(Skip("no logged learning rates")) }
        let (bar, color) = colouring(runs)
        var chart = Chart(id: "fig-lr", x: Axis("Training tokens D", .linear, format: .si), y: Axis("Learning rate", .linear))
        chart.colorBar = bar
        for r in runs {
            let c = study.curves[r.id]!
            let pts = zip(zip(c.step, c.tokens).map { $1 ?? $0 }, c.lr).compactMap { x, l in l.map { Point(x, $0) } }
            chart.series.append(Series(nil, pts, color: color(r), lineWidth: 1.4))
        }
        let peaks = Set(runs.compactMap { study.curves[$0.id]?.lr.compactMap { $0 }.max() }).sorted()
        return .success(Figure(id: "lr-schedules", title: "Learning-rate schedules",
                               caption: "Learning rate against training tokens for \(runs.count) run\(runs.count == 1 ? "" : "s") (as logged); peak \(peaks.map { Format.number($0) }.joined(separator: ", ")).",
                               chart: chart))
    }

    /// Least-squares parabola in ln N (a drawing aid: the fit's own vertices are marked).
    static func parabola(_ xs: [Double], _ ys: [Double]) -> (Double, Double, Double)? {
        let n = Double(xs.count), mx = xs.reduce(0, +) / n
        var s = [Double](repeating: 0, count: 5), t = [0.0, 0, 0]
        for (x, y) in zip(xs, ys) {
            let u = x - mx
            var p = 1.0
            for k in 0..<5 { s[k] += p; if k < 3 { t[k] += p * y }; p *= u }
        }
        // Normal equations [s0 s1 s2; s1 s2 s3; s2 s3 s4]·c = t, by Cramer's rule.
        func det(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        let a = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]]
        let d = det(a)
        guard Swift.abs(d) > 1e-12 else { return nil }
        var c: [Double] = []
        for j in 0..<3 { var m = a; for i in 0..<3 { m[i][j] = t[i] }; c.append(det(m) / d) }
        // Back to y = c0' + c1'·x + c2'·x² in x = ln N.
        return (c[0] - c[1] * mx + c[2] * mx * mx, c[1] - 2 * c[2] * mx, c[2])
    }

    static func isoflopProfiles(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        let runs = study.finished.filter { ($0.nParams ?? 0) > 0 && ($0.finalValLoss ?? 0) > 0 }
        let groups = FitAdapter.isoflopGroups(runs).filter { Set($0.runs.compactMap(\.nParams)).count >= 3 }
        guard groups.count >= 2 else { return .failure(Skip("needs 2 or more compute budgets with 3 or more model sizes each; found \(groups.count)")) }
        let cs = groups.map(\.compute)
        let bar = ColorBar("Compute C (FLOPs)", kind: .log, domain: (cs.min()! / 1.3)...(cs.max()! * 1.3))
        var chart = Chart(id: "fig-isoflop", x: Axis("Parameters N", .log, format: .si), y: Axis(lossAxis, .log))
        chart.colorBar = bar
        for g in groups {
            let col = bar.color(g.compute)
            let pts = g.runs.map { Point($0.nParams!, $0.finalValLoss!) }.sorted { $0.x < $1.x }
            chart.series.append(Series(nil, pts, color: col, lineWidth: nil, marker: Marker(.circle, size: 3.6)))
            let xs = pts.map { Foundation.log($0.x) }
            if let (c0, c1, c2) = parabola(xs, pts.map(\.y)) {
                let lo = xs.min()! - 0.15, hi = xs.max()! + 0.15
                let curve = (0...48).map { i -> Point in let x = lo + (hi - lo) * Double(i) / 48; return Point(Foundation.exp(x), c0 + c1 * x + c2 * x * x) }
                chart.series.append(Series(nil, curve, color: col, lineWidth: 1.2))
            }
        }
        let minima = fits.isoflopBudgets.compactMap { b in b.nOpt.flatMap { n in b.loss.map { Point(n, $0) } } }
        if !minima.isEmpty { chart.series.append(Series("fitted minimum N_opt", minima, color: .accent, lineWidth: nil, marker: Marker(.star, size: 5))) }
        let left = fits.isoflopBudgets.filter { $0.excluded != nil }
        var caption = "Final validation loss against model size at \(groups.count) compute budgets (colour: C); lines are least-squares parabolas in ln N."
        caption += minima.isEmpty ? " No approach-2 fit is shown (see the laws table)." : " Stars: each budget's minimum from the approach-2 fit."
        if !left.isEmpty { caption += " Budgets without a usable minimum: " + left.map { "C = \(Format.number($0.c)) (\($0.excluded!))" }.joined(separator: "; ") + "." }
        return .success(Figure(id: "isoflop", title: "IsoFLOP profiles", caption: caption, chart: chart))
    }

    static func ciText(_ v: Double, _ ci: (Double, Double)?) -> String {
        ci.map { "\(Format.number(v)) [\(Format.number($0.0)), \(Format.number($0.1))]" } ?? Format.number(v)
    }

    static func optimalAllocation(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        guard let law = fits.isoflop ?? fits.envelope else { return .failure(Skip("no meaningful approach-1 or approach-2 fit (see the laws table)")) }
        let source = fits.isoflop != nil ? "approach 2 (IsoFLOP minima)" : "approach 1 (loss envelope)"
        var chart = Chart(id: "fig-optimal", x: Axis("Compute C (FLOPs)", .log), y: Axis("Parameters N or tokens D", .log, format: .si))
        let vertices = fits.isoflop != nil ? fits.isoflopBudgets.compactMap { b in b.nOpt.map { (b.c, $0) } } : []
        let cs = vertices.map(\.0).isEmpty ? study.finished.compactMap(\.flops) : vertices.map(\.0)
        guard let cLo = cs.min(), let cHi = cs.max(), cHi > 0 else { return .failure(Skip("no compute values")) }
        let grid = (0...40).map { cLo / 2 * Foundation.pow(cHi * 2 / (cLo / 2), Double($0) / 40) }
        let nColor = ColorMap.viridis(0.15), dColor = ColorMap.viridis(0.7)
        chart.series.append(Series("N_opt ∝ C^a, a = \(ciText(law.a, law.aCI))", grid.map { Point($0, law.nOpt($0)) }, color: nColor, lineWidth: 1.6))
        chart.series.append(Series("D_opt ∝ C^b, b = \(ciText(law.b, law.bCI))", grid.map { Point($0, law.dOpt($0)) }, color: dColor, lineWidth: 1.6, dash: [5, 3]))
        if !vertices.isEmpty {
            chart.series.append(Series("N_opt per budget", vertices.map { Point($0.0, $0.1) }, color: nColor, lineWidth: nil, marker: Marker(.circle, size: 4)))
            chart.series.append(Series("D_opt = C/(6 N_opt)", vertices.map { Point($0.0, $0.0 / (6 * $0.1)) }, color: dColor, lineWidth: nil, marker: Marker(.square, size: 4)))
        }
        return .success(Figure(id: "optimal-allocation", title: "Compute-optimal N and D",
                               caption: "Compute-optimal model size and data from \(source), with the fitted power laws; exponents in the legend" + (law.aCI != nil ? " with 95% intervals." : " (no interval: this law is not bootstrapped)."),
                               chart: chart))
    }

    static func lossVsCompute(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        let runs = study.finished.filter { ($0.flops ?? 0) > 0 && ($0.finalValLoss ?? 0) > 0 }
        guard runs.count >= 2 else { return .failure(Skip("needs 2 or more finished runs with FLOPs and a final loss; found \(runs.count)")) }
        let (bar, color) = colouring(runs)
        var chart = Chart(id: "fig-loss-compute", x: Axis("Compute C = 6ND (FLOPs)", .log), y: Axis(lossAxis, .log))
        chart.colorBar = bar
        for r in runs { chart.series.append(Series(nil, [Point(r.flops!, r.finalValLoss!)], color: color(r), lineWidth: nil, marker: Marker(.circle, size: 3.8))) }
        // Efficient frontier: runs below every run of smaller compute.
        var frontier: [Point] = [], best = Double.infinity
        for r in runs.sorted(by: { ($0.flops!, $0.finalValLoss!) < ($1.flops!, $1.finalValLoss!) }) where r.finalValLoss! < best {
            best = r.finalValLoss!; frontier.append(Point(r.flops!, best))
        }
        chart.series.append(Series("efficient frontier", frontier, color: .ink, lineWidth: 1.2, dash: [4, 3]))
        if let p = fits.kaplan["C"], let cc = p["C_c"], let a = p["alpha_C"] {
            let lo = runs.map(\.flops!).min()!, hi = runs.map(\.flops!).max()!
            let line = (0...30).map { i -> Point in let c = lo * Foundation.pow(hi / lo, Double(i) / 30); return Point(c, (p["E"] ?? 0) + Foundation.pow(cc / c, a)) }
            chart.series.append(Series("Kaplan L(C), α_C = \(Format.number(a))", line, color: .accent, lineWidth: 1.5))
        }
        return .success(Figure(id: "loss-compute", title: "Loss against compute",
                               caption: "Final validation loss of every finished run against its training compute 6·N·D; the dashed line joins the compute-efficient frontier (runs better than every cheaper run)" + (fits.kaplan["C"] != nil ? ", and the red line is Kaplan's L(C) fitted to it." : "."),
                               chart: chart))
    }

    static func approach3(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        guard fits.chinchilla != nil, !fits.residuals.isEmpty else { return .failure(Skip("no meaningful approach-3 fit (see the laws table)")) }
        let obs = fits.residuals.map(\.observed), pred = fits.residuals.map(\.predicted)
        let lo = min(obs.min()!, pred.min()!), hi = max(obs.max()!, pred.max()!)
        var chart = Chart(id: "fig-approach3", width: 460, height: 380, x: Axis("Observed loss (nats/token)", .log), y: Axis("Predicted loss L(N, D) (nats/token)", .log))
        chart.series.append(Series("y = x", [Point(lo * 0.98, lo * 0.98), Point(hi * 1.02, hi * 1.02)], color: .grey, lineWidth: 1, dash: [4, 3]))
        let sizes = fits.residuals.compactMap { r in study.runs.first { $0.id == r.run || $0.name == r.run }?.nParams }
        let bar = Set(sizes).count >= 2 ? ColorBar("Parameters N", domain: (sizes.min()! / 1.05)...(sizes.max()! * 1.05), format: .si) : nil
        chart.colorBar = bar
        for r in fits.residuals {
            let n = study.runs.first { $0.id == r.run || $0.name == r.run }?.nParams
            chart.series.append(Series(nil, [Point(r.observed, r.predicted)], color: bar.flatMap { b in n.map(b.color) } ?? ColorMap.viridis(0.3), lineWidth: nil, marker: Marker(.circle, size: 3.8)))
        }
        let rms = (zip(obs, pred).map { Foundation.log($1 / $0) * Foundation.log($1 / $0) }.reduce(0, +) / Double(obs.count)).squareRoot()
        chart.annotations.append(Annotation("RMSE of log residuals \(Format.number(rms))", at: .frame(0.04, 0.92)))
        return .success(Figure(id: "approach3", title: "Approach 3: predicted against observed",
                               caption: "Each finished run's final loss against the loss L(N, D) of the approach-3 fit; the distance from the dashed diagonal is the residual.",
                               chart: chart))
    }

    /// Final loss against training tokens, one line per model size and amount of training data
    /// available (D / epochs): the same tokens from fewer unique ones (lab 07). Solid: at most one
    /// epoch at every point; dashed: repeated data.
    static func repetition(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        let runs = study.finished.filter { ($0.tokens ?? 0) > 0 && ($0.epochs ?? 0) > 0 && ($0.finalValLoss ?? 0) > 0 && $0.nParams != nil }
        // Available data, rounded to 3 significant digits so runs of one data set group together.
        func available(_ r: RunRecord) -> Double {
            let u = r.tokens! / r.epochs!, e = Foundation.pow(10, Foundation.floor(Foundation.log10(u)) - 2)
            return (u / e).rounded() * e
        }
        guard runs.contains(where: { $0.epochs! > 1.0001 }), Set(runs.map(available)).count >= 2 else {
            return .failure(Skip("needs finished runs that repeat their data (epochs > 1) and 2 or more amounts of training data; found \(Set(runs.map(available)).count)"))
        }
        let (bar, color) = colouring(runs)
        var chart = Chart(id: "fig-repetition", x: Axis("Training tokens D", .log, format: .si), y: Axis(lossAxis, .log))
        chart.colorBar = bar
        let groups = Dictionary(grouping: runs) { "\($0.nParams!)|\(available($0))" }
        for key in groups.keys.sorted() {
            let g = groups[key]!.sorted { $0.tokens! < $1.tokens! }
            let repeated = g.contains { $0.epochs! > 1.0001 }
            chart.series.append(Series(nil, g.map { Point($0.tokens!, $0.finalValLoss!) }, color: color(g[0]), lineWidth: 1.4,
                                       dash: repeated ? [5, 3] : nil, marker: Marker(repeated ? .triangle : .circle, size: 3.6)))
        }
        let amounts = Set(runs.map(available)).sorted().map { Format.number($0) }.joined(separator: ", ")
        return .success(Figure(id: "repetition", title: "Repeated data",
                               caption: "Final validation loss against training tokens, one line per model size (colour) and amount of training data available (\(amounts) tokens). Solid lines with circles never repeat a token; dashed lines with triangles reach the same tokens by repeating a smaller data set.",
                               chart: chart))
    }

    static func bitsPerByteVsVocab(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        let runs = study.finished.filter { ($0.vocabSize ?? 0) > 0 && ($0.bitsPerByte ?? 0) > 0 }
        guard Set(runs.compactMap(\.vocabSize)).count >= 2 else { return .failure(Skip("needs finished runs at 2 or more vocabulary sizes with bits per byte; found \(Set(runs.compactMap(\.vocabSize)).count) size(s)")) }
        let groups = FitAdapter.isoflopGroups(runs)
        let cs = groups.map(\.compute)
        let bar = cs.count >= 2 ? ColorBar("Compute C (FLOPs)", domain: (cs.min()! / 1.3)...(cs.max()! * 1.3)) : nil
        var chart = Chart(id: "fig-bpb-vocab", x: Axis("Vocabulary size V", .log, format: .si), y: Axis("Validation bits per byte", .log))
        chart.colorBar = bar
        var optima: [Point] = []
        for g in groups {
            let pts = g.runs.map { Point($0.vocabSize!, $0.bitsPerByte!) }.sorted { $0.x < $1.x }
            let col = bar?.color(g.compute) ?? ColorMap.viridis(0.3)
            chart.series.append(Series(nil, pts, color: col, lineWidth: 1.2, marker: Marker(.circle, size: 3.6)))
            if Set(pts.map(\.x)).count >= 3, let best = pts.min(by: { $0.y < $1.y }), best.x != pts.first!.x, best.x != pts.last!.x { optima.append(best) }
        }
        if !optima.isEmpty { chart.series.append(Series("best V per budget", optima, color: .accent, lineWidth: nil, marker: Marker(.star, size: 5))) }
        return .success(Figure(id: "bpb-vocab", title: "Bits per byte against vocabulary size",
                               caption: "Validation bits per byte (tokenizer-independent) against vocabulary size, one line per compute budget" + (optima.isEmpty ? "; no budget has an interior optimum among the sizes trained." : "; stars mark the best vocabulary measured at each budget with an interior optimum."),
                               chart: chart))
    }

    static func annealing(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        guard let a = fits.annealing, !a.predicted.isEmpty else { return .failure(Skip("no meaningful annealing fit (needs training curves with logged learning rates)")) }
        var chart = Chart(id: "fig-annealing", x: Axis("Step", .log), y: Axis(lossAxis, .log))
        func run(_ id: String) -> RunRecord? { study.runs.first { $0.id == id || $0.name == id } }
        let fitted = a.predicted.filter { a.fittedRuns.contains($0.run) }, held = a.predicted.filter { !a.fittedRuns.contains($0.run) }
        // Fitted curves coloured by their length (colour bar); held-out runs in the accent colour.
        let lengths = fitted.compactMap { run($0.run)?.tokens }
        let bar = Set(lengths).count >= 2 ? ColorBar("Training tokens D", domain: (lengths.min()! / 1.05)...(lengths.max()! * 1.05), format: .si) : nil
        chart.colorBar = bar
        func observed(_ id: String) -> [Point] {
            guard let c = run(id).flatMap({ study.curves[$0.id] }) else { return [] }
            return zip(c.step, c.valLoss).compactMap { s, v in v.map { Point(s, $0) } }.filter { $0.x > 0 }
        }
        for p in fitted {
            let col = bar.flatMap { b in run(p.run)?.tokens.map(b.color) } ?? ColorMap.viridis(0.3)
            chart.series.append(Series(nil, observed(p.run), color: col, lineWidth: nil, marker: Marker(.circle, size: 2.6)))
            chart.series.append(Series(nil, zip(p.step, p.loss).map { Point($0, $1) }.filter { $0.x > 0 && $0.y.isFinite }, color: col, lineWidth: 1.3))
        }
        chart.series.append(Series("measured (fitted runs)", [], color: .grey, lineWidth: nil, marker: Marker(.circle, size: 2.6)))
        chart.series.append(Series("law fitted to them", [], color: .grey, lineWidth: 1.3))
        for p in held {
            chart.series.append(Series(nil, observed(p.run), color: .accent, lineWidth: nil, marker: Marker(.diamond, size: 3.2, filled: false)))
            chart.series.append(Series(nil, zip(p.step, p.loss).map { Point($0, $1) }.filter { $0.x > 0 && $0.y.isFinite }, color: .accent, lineWidth: 1.5, dash: [5, 3]))
        }
        if let h = held.first {
            let name = run(h.run)?.name ?? h.run
            chart.series.append(Series("\(name) measured (held out)", [], color: .accent, lineWidth: nil, marker: Marker(.diamond, size: 3.2, filled: false)))
            chart.series.append(Series("predicted from its LR schedule", [], color: .accent, lineWidth: 1.5, dash: [5, 3]))
        }
        return .success(Figure(id: "annealing", title: "LR-annealing law",
                               caption: "Validation loss against step (points) and the annealing law L(s) = L₀ + A·S₁^(−α) − C·S₂ fitted to \(fitted.count) whole curve\(fitted.count == 1 ? "" : "s") of one model size (solid\(bar != nil ? ", coloured by run length" : ""))" + (held.isEmpty ? "." : "; red: its prediction for \(held.count) held-out run\(held.count == 1 ? "" : "s") of the same size from the learning-rate schedule alone (dashed), against what \(held.count == 1 ? "it" : "they") measured (open diamonds)."),
                               chart: chart))
    }

    static func predictionCheck(_ study: Study, _ fits: StudyFits) -> Result<Figure, Skip> {
        guard let h = fits.holdout, let minObs = h.predictions.map(\.observed).min(), let maxObs = h.predictions.map(\.observed).max(),
              let minPred = h.predictions.map(\.predicted).min(), let maxPred = h.predictions.map(\.predicted).max() else {
            return .failure(Skip("no held-out prediction (needs 10 or more finished runs and a meaningful law that predicts a run's loss)"))
        }
        var lo = min(minObs, minPred), hi = max(maxObs, maxPred)
        for (low, high) in h.intervals.values where low > 0 && high.isFinite { lo = min(lo, low); hi = max(hi, high) }
        var chart = Chart(id: "fig-prediction", width: 460, height: 380, x: Axis("Observed loss (nats/token)", .log), y: Axis("Predicted loss (nats/token)", .log))
        chart.series.append(Series("y = x", [Point(lo * 0.97, lo * 0.97), Point(hi * 1.03, hi * 1.03)], color: .grey, lineWidth: 1, dash: [4, 3]))
        let color = ColorMap.viridis(0.2)
        if let level = h.intervalLevel {
            // Each run's interval as a vertical bar at its observed loss; one legend entry for all.
            for p in h.predictions {
                guard let i = h.intervals[p.run], i.low > 0, i.high.isFinite else { continue }
                chart.series.append(Series(nil, [Point(p.observed, i.low), Point(p.observed, i.high)], color: color.lighter, lineWidth: 2.5))
            }
            chart.series.append(Series("\(Format.number(level * 100))% prediction interval", [], color: color.lighter, lineWidth: 2.5))
        }
        chart.series.append(Series("held-out runs", h.predictions.map { Point($0.observed, $0.predicted) }, color: color, lineWidth: nil, marker: Marker(.diamond, size: 4.5, filled: false)))
        let inside = h.predictions.filter { p in h.intervals[p.run].map { p.observed >= $0.low && p.observed <= $0.high } ?? false }.count
        chart.annotations.append(Annotation("mean |relative error| \(Format.number(h.meanAbsRelativeError * 100))%", at: .frame(0.04, 0.92)))
        if h.intervalLevel != nil {
            chart.annotations.append(Annotation("observed inside its interval: \(inside) of \(h.predictions.count)", at: .frame(0.04, 0.84)))
        }
        let intervalText = h.intervalLevel.map { level in
            " Bars: the \(Format.number(level * 100))% prediction interval of each run (bootstrap over runs with resampled residuals); the observed loss lies inside it for \(inside) of \(h.predictions.count) runs."
        } ?? " This fit carries no prediction interval (fit with bootstrap resamples to get one), so none is drawn."
        return .success(Figure(id: "prediction-check", title: "Prediction check on held-out runs",
                               caption: "\(h.law) refitted on the \(h.fittedRuns) smaller-compute runs, predicting the final loss of the \(h.predictions.count) largest-compute runs it did not see." + intervalText
                                   + (h.lawIdentified ? "" : " The law's parameters are not identified by these data (see the laws table): this checks its predictions near the data, not the law."),
                               chart: chart))
    }
}

extension Color {
    var darker: Color { Color(r: r * 0.75, g: g * 0.75, b: b * 0.75) }
    /// Halfway to white, for an interval behind its point.
    var lighter: Color { Color(r: r + (1 - r) * 0.5, g: g + (1 - g) * 0.5, b: b + (1 - b) * 0.5) }
}
