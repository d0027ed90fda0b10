import Foundation
import Testing
import Support
@testable import Fitting

/// Rollout by compute, prediction intervals and their coverage, and what `predict` says.
@Suite struct ValidationTests {
    static let truth: [String: Double] = ["E": 1.8, "A": 480, "B": 2100, "alpha": 0.35, "beta": 0.30]

    /// Six IsoFLOP budgets of six sizes around each optimum.
    static func study(_ p: [String: Double], noise: Double, seed: UInt64) -> [Observation] {
        var rng = SeededRandom(seed: seed)
        var out: [Observation] = []
        for c in [1e17, 3e17, 1e18, 3e18, 1e19, 3e19] {
            let nOpt = ChinchillaLaw.optimalAllocation(p, compute: c).n
            for k in 0..<6 {
                let n = nOpt * Foundation.exp((Double(k) - 2.5) * 0.6), d = c / (6 * n)
                out.append(obs([.N: n, .D: d, .budget: c, .loss: ChinchillaLaw.loss(p, n: n, d: d) * Foundation.exp(noise * rng.nextGaussian())], run: "c\(c)-\(k)"))
            }
        }
        return out
    }

    @Test func rolloutOfTheRightLawIsExactAndOfAWrongOneIsNot() throws {
        var opt = FitOptions()
        opt.gridStride = 15
        opt.rolloutSteps = 3
        let rows = Self.study(Self.truth, noise: 0, seed: 1)
        let r = try #require(Rollout.evaluate(law: .chinchilla, variable: nil, rows, options: opt))
        #expect(r.steps.count == 3 && r.steps.allSatisfy { $0.skipped == nil && $0.predictions.count == 6 })
        #expect(r.meanAbsRelativeError < 1e-4, "\(r.meanAbsRelativeError)")
        #expect(relErr(r.steps.last!.compute, 3e19) < 1e-9 && relErr(r.steps.last!.fittedCompute, 1e19) < 1e-9)
        // A pure power law in C on the same runs' frontier misses the irreducible loss: it
        // predicts the larger budgets too low, and the rollout says so.
        let k = try #require(Rollout.evaluate(law: .kaplan, variable: "C", rows, options: opt))
        #expect(k.meanRelativeError < -0.01, "\(k.meanRelativeError)")
    }

    /// A 90% interval covers about 90% of held-out points: 200 draws of a noisy power law,
    /// fitted on 12 sizes, intervals at the 4 larger sizes (extrapolation).
    @Test func predictionIntervalsCoverAtTheirNominalRate() throws {
        var rng = SeededRandom(seed: 77)
        var inside = 0, total = 0
        let noise = 0.01
        for draw in 0..<200 {
            let alpha = rng.uniform(0.05, 0.12), nc = rng.logUniform(1e13, 1e14)
            let rows = (0..<16).map { i -> Observation in
                let n = 1e6 * Foundation.pow(1e4, Double(i) / 15)
                return obs([.N: n, .loss: Foundation.pow(nc / n, alpha) * Foundation.exp(noise * rng.nextGaussian())], run: "r\(i)")
            }
            let train = Array(rows.prefix(12)), test = rows.suffix(4)
            let fit = try #require(try KaplanLaw.fit(train, options: FitOptions()).first { $0.variable == "N" })
            let samples = PredictionIntervals.samples(law: .kaplan, variable: "N", train, resamples: 100, seed: UInt64(draw), options: FitOptions())
            for o in test {
                let pi = try #require(PredictionIntervals.interval(fit, samples: samples, at: o, seed: UInt64(draw)))
                total += 1
                if o[.loss]! >= pi.low && o[.loss]! <= pi.high { inside += 1 }
            }
        }
        let coverage = Double(inside) / Double(total)
        print("90% prediction interval coverage over \(total) held-out points: \(coverage)")
        #expect(coverage >= 0.85 && coverage <= 0.95, "coverage \(coverage)")
    }

    @Test func fitReportsRolloutAndIntervalsAndPredictStatesExtrapolation() throws {
        let dir = try temporaryDirectory("validation")
        let rows = Self.study(Self.truth, noise: 0.005, seed: 3)
        let path = try writeCSV(dir, "runs.csv", header: ["run", "N", "D", "budget", "loss"],
                                rows: rows.enumerated().map { [Double($0.offset), $0.element[.N]!, $0.element[.D]!, $0.element[.budget]!, $0.element[.loss]!] })
        var opt = FitOptions()
        opt.gridStride = 15; opt.bootstrap = 40; opt.rolloutSteps = 2
        let report = try ScalingFit.run(FitRequest(path: path, laws: [.chinchilla], options: opt))
        let fit = try #require(report.fit(.chinchilla))
        #expect(fit.rollout?.steps.count == 2)
        let pi = try #require(fit.predictionInterval)
        #expect(pi.points.count == 6 && pi.points.allSatisfy { $0.low < $0.predicted && $0.predicted < $0.high })
        let json = String(decoding: try JSONOutput.encode(report), as: UTF8.self)
        #expect(json.contains("\"rollout\"") && json.contains("\"prediction_interval\""))
        let file = dir.appendingPathComponent("fit.json")
        try AtomicFile.write(json, to: file)
        var q = PredictionQuery()
        q.law = .chinchilla; q.params = 4 * fit.range!.bounds["N"]![1]; q.tokens = 1e10
        let row = try #require(try Prediction.predict(fitFile: file.path, query: q).first)
        #expect(row.extrapolation?.contains { $0.hasPrefix("N = ") && $0.contains("4x the largest fitted N") } == true)
        let interval = try #require(row.predictionInterval)
        #expect(interval[0] < row.values["loss"]! && row.values["loss"]! < interval[1])
        q.params = rows[20][.N]!; q.tokens = rows[20][.D]!
        #expect(try Prediction.predict(fitFile: file.path, query: q).first?.extrapolation == [])
        // A fit file without a parameter is a named error, not a crash.
        let edited = json.replacingOccurrences(of: "\"alpha\" :", with: "\"alpha_renamed\" :")
        #expect(edited != json)
        let bad = dir.appendingPathComponent("bad.json")
        try AtomicFile.write(edited, to: bad)
        #expect { try Prediction.predict(fitFile: bad.path, query: q) } throws: { "\($0)".contains("no finite parameter 'alpha'") && "\($0)".contains("bad.json") }
    }
}

@Suite struct VerdictTextTests {
    /// A parameter the data do not pin down can be uncertain by more than Int.max percent; the
    /// verdict's text formats it instead of trapping (lab 07's report crashed on ±2e9%).
    @Test func hugeAndInfiniteRelativeErrorsAreFormatted() {
        #expect(ParametricDiagnosis.percent(0.256) == "26%")
        #expect(ParametricDiagnosis.percent(1e30).hasSuffix("%") && ParametricDiagnosis.percent(1e30).count > 20)
        #expect(ParametricDiagnosis.percent(.infinity) == "∞%" && ParametricDiagnosis.percent(.nan) == "∞%")
    }
}
