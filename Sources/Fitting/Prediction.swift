import Foundation
import Support

/// Loss predicted by a fitted law for one observation (nil when the law predicts no loss for it).
enum LossPrediction {
    /// Whether a law's fit predicts the final loss of a run.
    static func predictsLoss(_ law: LawName) -> Bool {
        switch law {
        case .chinchilla, .kaplan, .vocab, .dataConstrained, .kaplanJoint, .overtraining: return true
        default: return false
        }
    }

    static func loss(_ fit: LawFit, _ o: Observation) -> Double? {
        switch LawName(rawValue: fit.law) {
        case .chinchilla:
            guard let n = o[.N], let d = o[.D] else { return nil }
            return ChinchillaLaw.loss(fit.params, n: n, d: d)
        case .kaplan:
            guard let v = fit.variable, let q = Quantity(rawValue: v), let x = o[q] else { return nil }
            return KaplanLaw.loss(fit.params, variable: q, x: x)
        case .vocab:
            guard let n = o[.N], let nv = o[.Nv], let d = o[.D] else { return nil }
            return VocabLaw.loss(fit.params, n: n, nv: nv, d: d)
        case .dataConstrained:
            guard let n = o[.N], let d = o[.D], let u = o[.U] else { return nil }
            return DataConstrainedLaw.loss(fit.params, n: n, d: d, unique: u)
        case .kaplanJoint:
            guard let n = o[.N], let d = o[.D] else { return nil }
            return KaplanJointLaw.loss(fit.params, n: n, d: d)
        case .overtraining:
            guard let n = o[.N], let d = o[.D] else { return nil }
            return OvertrainingLaw.loss(fit.params, n: n, d: d)
        default: return nil
        }
    }
}

/// What `scalelab predict` asks: a point (N, D, …), a compute budget, or a schedule's curve.
public struct PredictionQuery: Sendable {
    public var law: LawName?
    public var params: Double?
    public var tokens: Double?
    public var compute: Double?
    public var vocabulary: Double?
    public var width: Double?
    public var uniqueTokens: Double?
    /// Annealing: a CSV with step and lr columns (the schedule to predict).
    public var schedulePath: String?
    public init() {}
}

/// One prediction line: the law and named values (N_opt, D_opt, loss, …).
public struct PredictionRow: Codable, Sendable {
    public var law: String
    public var variable: String?
    public var values: [String: Double]
    /// Annealing: predicted loss per step of the schedule.
    public var curve: [[Double]]?
    /// Prediction interval [low, high] of the loss at `intervalLevel`, when the fit file holds
    /// bootstrap refits (`scalelab fit --bootstrap K`).
    public var predictionInterval: [Double]?
    public var intervalLevel: Double?
    /// How far the query lies outside the inputs the law was fitted on (empty: inside).
    public var extrapolation: [String]?

    enum CodingKeys: String, CodingKey {
        case law, variable, values, curve, extrapolation
        case predictionInterval = "prediction_interval", intervalLevel = "interval_level"
    }
}

/// An observation from named inputs (predictions at a query point).
func obs(_ values: [Quantity: Double]) -> Observation {
    var o = Observation(run: "query", source: "query", values: values)
    o.deriveComputeOrTokens()
    return o
}

public enum Prediction {
    /// Reads a fit file written by `scalelab fit --out`.
    public static func readReport(path: String) throws -> FitReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw ScaleLabError.io(path: path, reason: "cannot read fit file") }
        // Non-finite numbers are written as strings (Support's JSONOutput); read them back alike.
        let decoder = JSONOutput.decoder()
        do { return try decoder.decode(FitReport.self, from: data) } catch {
            throw ScaleLabError.data(path: path, reason: "not a fit file written by 'scalelab fit --out': \(error)")
        }
    }

    /// Predictions of every fit in the file that can answer the query (or of `query.law` only).
    public static func predict(fitFile path: String, query: PredictionQuery) throws -> [PredictionRow] {
        let report = try readReport(path: path)
        var rows: [PredictionRow] = []
        for fit in report.fits {
            guard let law = LawName(rawValue: fit.law), query.law == nil || query.law == law else { continue }
            try requireParameters(fit, law: law, path: path)
            guard var row = try predict(fit, law: law, query) else { continue }
            row.extrapolation = extrapolation(fit, query)
            // At a compute budget the interval is that of the loss at the optimal allocation.
            var point = query
            if let n = row.values["N_opt"], let d = row.values["D_opt"] { point.params = n; point.tokens = d; point.compute = nil }
            if let samples = fit.bootstrapSamples, let loss = row.values["loss"], loss.isFinite, let o = queryObservation(point), row.curve == nil,
               let pi = PredictionIntervals.interval(fit, samples: samples, at: o) {
                row.predictionInterval = [pi.low, pi.high]
                row.intervalLevel = PredictionIntervals.defaultLevel
            }
            rows.append(row)
        }
        guard !rows.isEmpty else {
            throw ScaleLabError.invalid("no fit in \(path) (laws: \(report.fits.map(\.law).joined(separator: ", "))) can answer this query; give --params N and --tokens D (loss), --compute C (optimal allocation), or --schedule FILE (annealing)")
        }
        return rows
    }

    /// Parameter names each law's predictions read.
    static func requiredParameters(_ fit: LawFit, law: LawName) -> [String] {
        switch law {
        case .chinchilla: return ChinchillaLaw.parameterNames
        case .kaplan: return fit.variable.map { ["\($0)_c", "alpha_\($0)"] } ?? []
        case .chinchillaEnvelope, .chinchillaIsoFLOP: return ["a", "b", "k_N", "k_D"]
        case .vocab: return ["E", "A1", "A2", "B", "alpha", "alpha2"]
        case .dataConstrained: return ChinchillaLaw.parameterNames + DataConstrainedLaw.decayParameterNames
        case .annealing: return ["L0", "A", "alpha", "C"]
        case .kaplanJoint: return KaplanJointLaw.parameterNames
        case .overtraining: return OvertrainingLaw.parameterNames
        case .hyperparams: return Array(HyperparameterLaw.parameterNames.prefix(3))
        case .vocabIsoFLOP: return ["gamma", "k"]
        case .vocabDerivative: return ["f_a", "f_b", "f_c"]
        }
    }

    /// A fit file edited by hand or written by another version may lack a parameter: say which.
    static func requireParameters(_ fit: LawFit, law: LawName, path: String) throws {
        for name in requiredParameters(fit, law: law) where !(fit.params[name]?.isFinite ?? false) {
            throw ScaleLabError.data(path: path, reason: "the \(law.rawValue)\(fit.variable.map { " L(\($0))" } ?? "") fit has no finite parameter '\(name)' (it has \(fit.params.keys.sorted().joined(separator: ", "))); refit with 'scalelab fit --out'")
        }
    }

    /// The query as an observation (for intervals), when it names a point.
    static func queryObservation(_ q: PredictionQuery) -> Observation? {
        var v: [Quantity: Double] = [:]
        if let n = q.params { v[.N] = n }
        if let d = q.tokens { v[.D] = d }
        if let c = q.compute { v[.C] = c }
        if let u = q.uniqueTokens { v[.U] = u } else if let d = q.tokens { v[.U] = d }
        if let vv = q.vocabulary { v[.V] = vv }
        if let w = q.width { v[.d] = w }
        guard !v.isEmpty else { return nil }
        var o = Observation(run: "query", source: "query", values: v)
        o.deriveComputeOrTokens()
        return o
    }

    /// "C is 4.0x the largest fitted (3.2e18)" for each input beyond the fitted span.
    static func extrapolation(_ fit: LawFit, _ q: PredictionQuery) -> [String] {
        guard let range = fit.range?.bounds, let o = queryObservation(q) else { return [] }
        var out: [String] = []
        for key in range.keys.sorted() {
            guard let quantity = Quantity(rawValue: key), let x = o[quantity], let b = range[key], b.count == 2 else { continue }
            if x > b[1] * (1 + 1e-9) { out.append("\(key) = \(fmt(x)) is \(String(format: "%.2g", x / b[1]))x the largest fitted \(key) (\(fmt(b[1])))") }
            else if x < b[0] * (1 - 1e-9) { out.append("\(key) = \(fmt(x)) is \(String(format: "%.2g", b[0] / x))x below the smallest fitted \(key) (\(fmt(b[0])))") }
        }
        return out
    }

    static func predict(_ fit: LawFit, law: LawName, _ q: PredictionQuery) throws -> PredictionRow? {
        let p = fit.params
        func row(_ v: [String: Double]) -> PredictionRow { PredictionRow(law: fit.law, variable: fit.variable, values: v) }
        switch law {
        case .chinchilla:
            if let n = q.params, let d = q.tokens { return row(["N": n, "D": d, "C": 6 * n * d, "loss": ChinchillaLaw.loss(p, n: n, d: d)]) }
            if let c = q.compute {
                let o = ChinchillaLaw.optimalAllocation(p, compute: c)
                return row(["C": c, "N_opt": o.n, "D_opt": o.d, "tokens_per_param": o.d / o.n, "loss": o.loss])
            }
        case .kaplan:
            guard let v = fit.variable, let qv = Quantity(rawValue: v) else { return nil }
            let x: Double? = qv == .N ? q.params : qv == .D ? q.tokens : q.compute
            if let x { return row([v: x, "loss": KaplanLaw.loss(p, variable: qv, x: x)]) }
        case .chinchillaEnvelope, .chinchillaIsoFLOP:
            if let c = q.compute {
                return row(["C": c, "N_opt": (p["k_N"] ?? .nan) * Foundation.pow(c, (p["a"] ?? .nan)), "D_opt": (p["k_D"] ?? .nan) * Foundation.pow(c, (p["b"] ?? .nan))])
            }
        case .vocab:
            if let n = q.params, let c = q.compute, let d = q.width {
                let o = VocabLaw.optimalVocabulary(p, nonVocabParams: n, width: d, compute: c)
                return row(["N": n, "d": d, "C": c, "V_opt": o.v, "D": o.tokens, "loss": o.loss])
            }
            if let n = q.params, let t = q.tokens, let v = q.vocabulary, let d = q.width {
                return row(["N": n, "V": v, "d": d, "D": t, "loss": VocabLaw.loss(p, n: n, nv: v * d, d: t)])
            }
        case .dataConstrained:
            if let n = q.params, let d = q.tokens {
                let u = q.uniqueTokens ?? d
                return row(["N": n, "D": d, "U": u, "loss": DataConstrainedLaw.loss(p, n: n, d: d, unique: u)])
            }
        case .kaplanJoint, .overtraining:
            if let n = q.params, let d = q.tokens {
                return row(["N": n, "D": d, "C": 6 * n * d, "loss": LossPrediction.loss(fit, obs([.N: n, .D: d])) ?? .nan])
            }
        case .hyperparams:
            if let n = q.params, let d = q.tokens {
                return row(["N": n, "D": d, "lr_opt": HyperparameterLaw.learningRate(fit.params, n: n, d: d), "batch_opt": HyperparameterLaw.batchSize(fit.params, d: d)])
            }
        case .vocabIsoFLOP:
            if let c = q.compute, let k = fit.params["k"], let g = fit.params["gamma"] { return row(["C": c, "Nv_opt": k * Foundation.pow(c, g)]) }
        case .vocabDerivative:
            if let n = q.params, let w = q.width, let v = VocabDerivativeLaw.optimalVocabulary(fit.params, nonVocabParams: n, width: w) {
                return row(["N": n, "d": w, "V_opt": v, "Nv_opt": v * w])
            }
        case .annealing:
            if let path = q.schedulePath {
                let t = try CSVTable.read(path: path)
                guard let si = t.columnIndex("step"), let li = t.columnIndex("lr") else {
                    throw ScaleLabError.data(path: path, reason: "a schedule needs columns step and lr; columns are: \(t.header.joined(separator: ", "))")
                }
                var steps: [Double] = [], lrs: [Double] = []
                for (k, r) in t.rows.enumerated() {
                    guard let s = Double(r[si]), let l = Double(r[li]), s.isFinite, l.isFinite, l >= 0 else {
                        throw ScaleLabError.data(path: path, reason: "line \(t.lineNumbers[k]): step and lr must be numbers (lr ≥ 0)")
                    }
                    steps.append(s); lrs.append(l)
                }
                guard !steps.isEmpty else { throw ScaleLabError.data(path: path, reason: "schedule has no rows") }
                let pred = AnnealingLaw.predictCurve(fit, steps: steps, lr: lrs)
                var r = row(["final_loss": pred.last!, "steps": Double(steps.count)])
                r.curve = zip(steps, pred).map { [$0, $1] }
                return r
            }
        }
        return nil
    }
}
