import Foundation
import Support

/// Prediction intervals for a new run's loss: the law refitted on bootstrap resamples of the
/// runs (parameter uncertainty) with a residual drawn from the fit's own log residuals added to
/// each refit's prediction (run-to-run scatter), residuals inflated by √(n/(n−p)) for the
/// degrees of freedom the fit used (Davison & Hinkley 1997, §6.3.3). Percentile interval.
public enum PredictionIntervals {
    public static let defaultLevel = 0.9

    /// Refits of `law` on resamples of the runs (for laws without their own bootstrap).
    static func samples(law: LawName, variable: String?, _ obs: [Observation], resamples: Int, seed: UInt64, options: FitOptions) -> ParameterSamples {
        var byRun: [String: [Observation]] = [:], order: [String] = []
        for o in obs { if byRun[o.run] == nil { order.append(o.run) }; byRun[o.run, default: []].append(o) }
        let w = Bootstrap.weights(runOfPoint: Array(0..<order.count), runCount: order.count, resamples: resamples, seed: seed)
        var quiet = options
        quiet.bootstrap = 0; quiet.rolloutSteps = 0; quiet.holdoutFraction = nil
        let rows = Bootstrap.ResultSlots(count: resamples)
        let runs = order, grouped = byRun, q = quiet
        MultiStart.forEachIndex(resamples) { k in
            var sample: [Observation] = []
            for (j, run) in runs.enumerated() {
                for copy in 0..<Int(w[k][j]) {
                    sample += grouped[run]!.map { o in var o = o; o.run = "\(o.run)#\(copy)"; return o }
                }
            }
            let fit = try? ScalingFit.fitLaw(law, sample, options: q).first { $0.variable == variable }
            rows.set(k, fit?.params)
        }
        return ParameterSamples(rows.values.compactMap { $0 })
    }

    /// The interval at one observation's inputs, or nil when the law predicts no loss there.
    public static func interval(_ fit: LawFit, samples: ParameterSamples, at o: Observation, level: Double = defaultLevel, seed: UInt64 = 0) -> (predicted: Double, low: Double, high: Double)? {
        guard let center = LossPrediction.loss(fit, o), center.isFinite, samples.count > 0 else { return nil }
        let pool = residualPool(fit)
        guard !pool.isEmpty else { return nil }
        var rng = SeededRandom(seed: seed ^ 0x9E3779B97F4A7C15)
        let perSample = max(1, (2000 + samples.count - 1) / samples.count)
        var draws: [Double] = []
        draws.reserveCapacity(samples.count * perSample)
        var refit = fit
        for k in 0..<samples.count {
            refit.params = fit.params.merging(samples[k]) { _, b in b }
            guard let p = LossPrediction.loss(refit, o), p.isFinite, p > 0 else { continue }
            for _ in 0..<perSample { draws.append(p * Foundation.exp(pool[Int(rng.next() % UInt64(pool.count))])) }
        }
        guard draws.count >= 20 else { return nil }
        draws.sort()
        let tail = (1 - level) / 2
        return (center, Bootstrap.percentile(draws, tail), Bootstrap.percentile(draws, 1 - tail))
    }

    /// Log residuals of the fit, inflated for the parameters it estimated.
    static func residualPool(_ fit: LawFit) -> [Double] {
        let r = fit.residuals.compactMap { $0.observed > 0 && $0.predicted > 0 ? Foundation.log($0.observed / $0.predicted) : nil }
        let n = Double(r.count), p = Double(fit.params.count)
        guard n > p else { return [] }
        let mean = r.reduce(0, +) / n
        let inflate = (n / (n - p)).squareRoot()
        return r.map { ($0 - mean) * inflate }
    }

    /// Held-out intervals: the law fitted (with bootstrap) on every run below the largest compute
    /// level, intervals at the runs of that level, and how many of them fall inside.
    static func heldOut(law: LawName, variable: String?, _ obs: [Observation], options: FitOptions) -> PredictionIntervalReport? {
        guard Rollout.applies(to: law), options.bootstrap > 0 else { return nil }
        let lv = Rollout.levels(obs, tolerance: options.isoFLOPBudgetTolerance)
        guard lv.count >= 2, let top = lv.last else { return nil }
        let train = lv.dropLast().flatMap { $0 }
        var quiet = options
        quiet.rolloutSteps = 0; quiet.holdoutFraction = nil
        // The interval's refits start from the held-out fit's optimum plus a few grid starts
        // (the default), not the user's full-grid setting, which is for the parameter intervals.
        quiet.bootstrapGridStarts = min(options.bootstrapGridStarts, FitOptions().bootstrapGridStarts)
        guard let fit = (try? ScalingFit.fitLaw(law, train, options: quiet))?.first(where: { $0.variable == variable }) else { return nil }
        let samples = fit.bootstrapSamples ?? Self.samples(law: law, variable: variable, train, resamples: options.bootstrap, seed: options.seed, options: options)
        var points: [IntervalPoint] = []
        for o in top {
            guard let pi = interval(fit, samples: samples, at: o, seed: options.seed) else { continue }
            points.append(IntervalPoint(run: o.run, inputs: inputs(o), predicted: pi.predicted, low: pi.low, high: pi.high, observed: o[.loss]))
        }
        guard !points.isEmpty else { return nil }
        let inside = points.filter { p in p.observed.map { $0 >= p.low && $0 <= p.high } ?? false }.count
        return PredictionIntervalReport(level: defaultLevel, method: "bootstrap over runs + resampled residuals, fitted below the largest compute level",
                                        resamples: samples.count, fittedRuns: Set(train.map(\.run)).count, points: points,
                                        coverage: Double(inside) / Double(points.count))
    }

    static func inputs(_ o: Observation) -> [String: Double] {
        var out: [String: Double] = [:]
        for q in [Quantity.N, .D, .C, .U, .V, .Nv] { if let v = o[q] { out[q.rawValue] = v } }
        return out
    }
}
