import Fitting
import Foundation

/// The numbers a study ends with, read from its fits. A number whose fit could not determine it
/// (the verdict says "not identified", or the parameter is listed as such, or sits on a bound) is
/// reported as undetermined with the reason, never as a result.
public struct Headline: Codable, Sendable {
    public struct Estimate: Codable, Sendable {
        public var value: Double
        /// 95% interval (bootstrap or regression), when the fit gave one.
        public var interval: [Double]?
        public var law: String
        /// Nil when the value stands; else why it must not be read as a result.
        public var undetermined: String?
    }

    public struct HeldOutPrediction: Codable, Sendable {
        public var run: String
        public var law: String
        public var predicted: Double
        public var observed: Double
        public var interval: [Double]
        /// The interval's coverage (0.9: a 90% prediction interval).
        public var level: Double
        public var relativeError: Double
        public var inside: Bool
        enum CodingKeys: String, CodingKey { case run, law, predicted, observed, interval, level, inside, relativeError = "relative_error" }
    }

    /// N_opt ∝ C^a (approach 2 when fitted, else approach 3).
    public var exponentA: Estimate?
    /// D_opt ∝ C^b.
    public var exponentB: Estimate?
    /// Approach 3's a beside approach 2's, when both were fitted.
    public var exponentAApproach3: Estimate?
    /// Approach 1's a (the lower envelope of the training curves), when fitted.
    public var exponentAApproach1: Estimate?
    /// a with N counted without embeddings and C = 6·N_ne·D (Kaplan's count; lab 04), when fitted.
    public var exponentANonEmbedding: Estimate?
    /// D_opt / N_opt at the largest budget of the study.
    public var tokensPerParameter: Estimate?
    public var fittedE: Estimate?
    /// The validation text's exact negative log-likelihood per byte under its generator (the
    /// entropy rate, measured on this text).
    public var trueE: Double?
    /// The lowest loss a model with the runs' context can reach on the evaluated windows (it does
    /// not know where the first word of a window began): `ContextWindowFloor`.
    public var contextFloorE: Double?
    /// Tao et al.'s N_v,opt ∝ C^γ from the per-budget optimum over vocabularies (lab 06).
    public var vocabularyExponent: Estimate?
    /// Per budget: the vocabulary-parameter optimum N_v,opt = V_opt·d and the loss there, or why the
    /// budget has none (no interior optimum among the vocabularies trained).
    public var vocabularyOptima: [VocabularyOptimum] = []

    public struct VocabularyOptimum: Codable, Sendable {
        public var compute: Double
        public var vocabParamsOpt: Double?
        public var lossAtOpt: Double?
        public var excluded: String?
        enum CodingKeys: String, CodingKey { case compute = "C", vocabParamsOpt = "Nv_opt", lossAtOpt = "loss_at_opt", excluded }
    }
    /// The held-out runs (largest compute level) predicted by the fit on the runs below it.
    public var predictions: [HeldOutPrediction] = []
    /// Each fitted law's verdict.
    public var verdicts: [String: String] = [:]
    /// The annealing law's prediction of a held-out run's whole validation curve.
    public var annealing: AnnealingCheck?
    /// Laws the study names that the data could not support, with the reason.
    public var lawsNotFitted: [String: String] = [:]
    /// The run with the lowest final validation loss.
    public var bestRun: BestRun?

    public struct BestRun: Codable, Sendable {
        public var name: String
        public var finalValidationLoss: Double
        public var bitsPerByte: Double?
        public var runs: Int
        enum CodingKeys: String, CodingKey { case name, runs, finalValidationLoss = "final_val_loss", bitsPerByte = "bits_per_byte" }

        /// From the sweep's results.csv (nil when it has no finished run): the lowest final
        /// validation loss, or the lowest bits per byte when runs of several tokenizers compare.
        public init?(results: URL, byBitsPerByte: Bool = false) {
            guard let t = try? CSVTable.read(path: results.path), let name = t.columnIndex("name"), let loss = t.columnIndex("final_val_loss"),
                  let status = t.columnIndex("status") else { return nil }
            let bpb = t.columnIndex("bits_per_byte")
            guard let key = byBitsPerByte ? bpb : loss else { return nil }
            let done = t.rows.filter { $0[status] == "done" }
            guard let best = done.compactMap({ r in Double(r[key]).flatMap { $0.isFinite ? (r, $0) : nil } }).min(by: { $0.1 < $1.1 }),
                  let bestLoss = Double(best.0[loss]) else { return nil }
            self.name = best.0[name]; finalValidationLoss = bestLoss; bitsPerByte = bpb.flatMap { Double(best.0[$0]) }; runs = done.count
        }
    }

    enum CodingKeys: String, CodingKey {
        case exponentA = "exponent_a", exponentB = "exponent_b", exponentAApproach3 = "exponent_a_approach3"
        case exponentANonEmbedding = "exponent_a_non_embedding", exponentAApproach1 = "exponent_a_approach1"
        case tokensPerParameter = "tokens_per_parameter", fittedE = "fitted_E", trueE = "true_E", predictions
        case contextFloorE = "context_floor_E", verdicts
        case vocabularyExponent = "vocabulary_exponent_gamma", vocabularyOptima = "vocabulary_optima"
        case bestRun = "best_run", lawsNotFitted = "laws_not_fitted", annealing
    }

    public init() {}

    public init(fit report: FitReport) {
        func nonEmbedding(_ f: LawFit) -> Bool { f.columns?["N"] == "n_params_non_embedding" }
        for f in report.fits {
            let label = f.law + (f.variable.map { " (\($0))" } ?? "") + (nonEmbedding(f) ? " (non-embedding N)" : "")
            if let v = f.diagnostics?.verdict { verdicts[label] = v.level.rawValue + (v.reason.isEmpty ? "" : ": \(v.reason)") }
        }
        let kaplanCount = report.fits.filter(nonEmbedding)
        if let f = kaplanCount.first(where: { $0.law == LawName.chinchillaIsoFLOP.rawValue }) {
            exponentANonEmbedding = Self.estimate(f, "a")
        } else if let f = kaplanCount.first(where: { $0.law == LawName.chinchilla.rawValue }) {
            exponentANonEmbedding = Self.estimate(f, "a", derivedFrom: ["alpha", "beta"])
        }
        if let f = report.fits.first(where: { $0.law == LawName.chinchillaEnvelope.rawValue && !nonEmbedding($0) }) {
            exponentAApproach1 = Self.estimate(f, "a")
        }
        let isoflop = report.fits.first { $0.law == LawName.chinchillaIsoFLOP.rawValue && !nonEmbedding($0) }
        let approach3 = report.fits.first { $0.law == LawName.chinchilla.rawValue && !nonEmbedding($0) }
        if let f = isoflop {
            exponentA = Self.estimate(f, "a"); exponentB = Self.estimate(f, "b")
            if let budgets = f.budgets?.filter({ $0.excluded == nil && $0.nOpt != nil }), let top = budgets.max(by: { $0.compute < $1.compute }),
               let kN = f.params["k_N"], let a = f.params["a"], let kD = f.params["k_D"], let b = f.params["b"] {
                let ratio = kD * pow(top.compute, b) / (kN * pow(top.compute, a))
                tokensPerParameter = Estimate(value: ratio, interval: nil, law: f.law, undetermined: exponentA?.undetermined)
            }
        }
        if let f = report.fits.first(where: { $0.law == LawName.vocabIsoFLOP.rawValue }) {
            vocabularyExponent = Self.estimate(f, "gamma")
            vocabularyOptima = (f.budgets ?? []).map { VocabularyOptimum(compute: $0.compute, vocabParamsOpt: $0.nOpt, lossAtOpt: $0.lossAtOpt, excluded: $0.excluded) }
        }
        if let f = approach3 {
            let a3 = Self.estimate(f, "a", derivedFrom: ["alpha", "beta"])
            if exponentA == nil { exponentA = a3; exponentB = Self.estimate(f, "b", derivedFrom: ["alpha", "beta"]) } else { exponentAApproach3 = a3 }
            fittedE = Self.estimate(f, "E")
            if let p = f.predictionInterval {
                for point in p.points {
                    guard let observed = point.observed, let run = point.run else { continue }
                    predictions.append(HeldOutPrediction(run: run, law: f.law, predicted: point.predicted, observed: observed,
                                                         interval: [point.low, point.high], level: p.level, relativeError: (point.predicted - observed) / observed,
                                                         inside: observed >= point.low && observed <= point.high))
                }
            }
        }
    }

    static func estimate(_ f: LawFit, _ name: String, derivedFrom parts: [String] = []) -> Estimate? {
        guard let value = f.params[name] ?? f.derived[name], value.isFinite else { return nil }
        var why: String?
        let d = f.diagnostics
        if d?.verdict.level == .notIdentified || d?.verdict.level == .notALaw {
            why = "the \(f.law) fit is \(d?.verdict.level.rawValue ?? "")"
        }
        for p in [name] + parts {
            if d?.notIdentified.contains(p) == true { why = why ?? "\(p) is not identified by the data" }
            if let hit = d?.onBounds.first(where: { $0.parameter == p }) { why = why ?? "\(p) ran to its bound (\(hit.side))" }
        }
        let interval = f.ci95?[name].flatMap { $0.count == 2 && $0.allSatisfy(\.isFinite) ? $0 : nil }
        return Estimate(value: value, interval: interval, law: f.law, undetermined: why)
    }

    /// The lines printed at the end of `scalelab reproduce`.
    public func lines() -> [String] {
        var out: [String] = []
        if let b = bestRun {
            out.append(String(format: "best of %d runs: %@, final validation loss %.4f", b.runs, b.name, b.finalValidationLoss)
                       + (b.bitsPerByte.map { String(format: " (%.4f bits/byte)", $0) } ?? ""))
        }
        func show(_ label: String, _ e: Estimate?, digits: Int = 3) {
            guard let e else { return }
            if let why = e.undetermined { out.append("\(label): not determined (\(why); fitted value \(fmt(e.value, digits)) is not a result)"); return }
            let ci = e.interval.map { " (95% CI \(fmt($0[0], digits))–\(fmt($0[1], digits)))" } ?? " (no interval)"
            out.append("\(label): \(fmt(e.value, digits))\(ci) [\(e.law)]")
        }
        show("N_opt ∝ C^a, a", exponentA)
        show("D_opt ∝ C^b, b", exponentB)
        show("approach 1's a (lower envelope of the curves)", exponentAApproach1)
        show("approach 3's a", exponentAApproach3)
        show("a with non-embedding N and C = 6·N_ne·D (Kaplan's count)", exponentANonEmbedding)
        show("compute-optimal tokens per parameter at the largest budget", tokensPerParameter, digits: 3)
        show("irreducible loss E", fittedE, digits: 4)
        for o in vocabularyOptima {
            if let nv = o.vocabParamsOpt, o.excluded == nil {
                out.append(String(format: "budget %.3g FLOPs: best vocabulary parameters N_v = V·d = %.3g", o.compute, nv)
                           + (o.lossAtOpt.map { String(format: " (loss %.4f there)", $0) } ?? ""))
            } else {
                out.append(String(format: "budget %.3g FLOPs: no optimum over the vocabularies (%@)", o.compute, o.excluded ?? "none found"))
            }
        }
        show("compute-optimal vocabulary parameters N_v ∝ C^γ, γ", vocabularyExponent)
        if let t = trueE {
            out.append("true floor of the validation text: \(fmt(t, 4)) nats/byte" + (fittedE.map { offBy($0, t) } ?? ""))
        }
        if let f = contextFloorE {
            out.append("lowest loss reachable with the runs' context on the evaluated windows: \(fmt(f, 4)) nats/byte" + (fittedE.map { offBy($0, f) } ?? ""))
        }
        for p in predictions {
            out.append(String(format: "held-out %@: predicted %.4f, observed %.4f (%+.2f%%), %.0f%% prediction interval %.4f–%.4f, %@",
                              p.run, p.predicted, p.observed, 100 * p.relativeError, 100 * p.level, p.interval[0], p.interval[1], p.inside ? "inside" : "OUTSIDE"))
        }
        if let a = annealing {
            out.append(String(format: "annealing law fitted on %@ predicts the whole validation curve of %@: mean |relative error| %.2f%% (max %.2f%%) over %d points",
                              a.fittedRuns.joined(separator: ", "), a.heldOutRun, 100 * a.meanAbsRelativeError, 100 * a.maxAbsRelativeError, a.points))
        }
        for (law, v) in verdicts.sorted(by: { $0.key < $1.key }) { out.append("verdict \(law): \(v)") }
        for (law, why) in lawsNotFitted.sorted(by: { $0.key < $1.key }) { out.append("\(law): not fitted (\(why))") }
        return out
    }

    func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)g", x) }

    /// How far the fitted E lies from a floor; said conditionally when E is not determined.
    func offBy(_ e: Estimate, _ floor: Double) -> String {
        let percent = String(format: "%+.2f%%", 100 * (e.value - floor) / floor)
        return e.undetermined == nil ? " (fitted E is \(percent) off)" : " (the fitted E, which is not determined, would be \(percent) off)"
    }
}
