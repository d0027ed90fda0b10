import Foundation
import Testing
import Support
@testable import Fitting

/// The laws added for small studies recover the truth they generated noise-free data from.
@Suite struct NewLawTests {
    @Test func kaplanJointLawRecoversEveryParameter() throws {
        // Kaplan's Table 2 values.
        let t: [String: Double] = ["N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103]
        var rows: [Observation] = []
        for i in 0..<7 { for j in 0..<6 {
            let n = 1e6 * Foundation.pow(1e3, Double(i) / 6), d = 1e8 * Foundation.pow(1e3, Double(j) / 5)
            rows.append(obs([.N: n, .D: d, .loss: KaplanJointLaw.loss(t, n: n, d: d)], run: "\(i)-\(j)"))
        } }
        let fit = try KaplanJointLaw.fit(rows, options: FitOptions())
        for k in ["alpha_N", "alpha_D"] { #expect(relErr(fit.params[k]!, t[k]!) < 1e-4, "\(k) \(fit.params[k]!)") }
        for k in ["N_c", "D_c"] { #expect(relErr(fit.params[k]!, t[k]!) < 1e-3, "\(k) \(fit.params[k]!)") }
        #expect(fit.goodness.rmseLog < 1e-8)
    }

    @Test func overtrainingLawRecoversEveryParameter() throws {
        let t: [String: Double] = ["E": 1.9, "a": 120, "b": 900, "eta": 0.16]
        var rows: [Observation] = []
        for c in [1e16, 1e17, 1e18, 1e19, 1e20] { for m in [5.0, 20, 80, 320] {
            let n = (c / (6 * m)).squareRoot(), d = m * n
            rows.append(obs([.N: n, .D: d, .loss: OvertrainingLaw.loss(t, n: n, d: d)], run: "\(c)-\(m)"))
        } }
        let fit = try OvertrainingLaw.fit(rows, options: FitOptions())
        for k in ["E", "a", "b", "eta"] { #expect(relErr(fit.params[k]!, t[k]!) < 1e-4, "\(k) \(fit.params[k]!) vs \(t[k]!)") }
        #expect(fit.diagnostics?.verdict.level == .trustworthy, "\(fit.diagnostics!.verdict.line)")
        // Its prediction equals the Chinchilla form with α = β = 2η, A = a/6^η, B = b/6^η.
        let chin: [String: Double] = ["E": 1.9, "A": 120 / Foundation.pow(6, 0.16), "B": 900 / Foundation.pow(6, 0.16), "alpha": 0.32, "beta": 0.32]
        #expect(relErr(OvertrainingLaw.loss(t, n: 3e8, d: 9e10), ChinchillaLaw.loss(chin, n: 3e8, d: 9e10)) < 1e-12)
    }

    /// A loss surface quadratic in ln lr and ln batch around the published Step Law optimum, on
    /// fixed grids that do not contain the optimum: the 3-point refinement is exact.
    @Test func hyperparameterLawsRecoverTheirExponents() throws {
        let t: [String: Double] = ["lr_coefficient": 1.79, "lr_exponent_N": -0.713, "lr_exponent_D": 0.307, "batch_coefficient": 0.58, "batch_exponent_D": 0.571]
        var rows: [Observation] = []
        let lrs = (0..<13).map { 1e-4 * Foundation.pow(10, Double($0) / 4) }       // 1e-4 … 1e-1
        let batches = (0..<11).map { 1e4 * Foundation.pow(2, Double($0)) }          // 1e4 … 1e7 tokens
        for n in [1e7, 4e7, 1.6e8] { for d in [2e9, 8e9, 3.2e10] {
            let lrOpt = HyperparameterLaw.learningRate(t, n: n, d: d), bOpt = HyperparameterLaw.batchSize(t, d: d)
            for lr in lrs { for b in batches {
                let l = 3 + 0.05 * Foundation.pow(Foundation.log(lr / lrOpt), 2) + 0.02 * Foundation.pow(Foundation.log(b / bOpt), 2)
                rows.append(obs([.N: n, .D: d, .lr: lr, .batch: b, .loss: l], run: "\(n)-\(d)-\(lr)-\(b)"))
            } }
        } }
        let fit = try HyperparameterLaw.fit(rows, options: FitOptions())
        for k in ["lr_exponent_N", "lr_exponent_D", "batch_exponent_D"] { #expect(abs(fit.params[k]! - t[k]!) < 1e-6, "\(k) \(fit.params[k]!)") }
        for k in ["lr_coefficient", "batch_coefficient"] { #expect(relErr(fit.params[k]!, t[k]!) < 1e-5, "\(k) \(fit.params[k]!)") }
        // A group whose grid stops below its optimum is left out of the lr law, with the reason.
        let cut = rows.filter { !($0[.N]! == 1e7 && $0[.D]! == 3.2e10 && $0[.lr]! > 3e-3) }
        let partial = try HyperparameterLaw.fit(cut, options: FitOptions())
        #expect(partial.settings["lr_groups_used"] == 8)
        #expect(partial.notes.contains { $0.contains("high edge of the grid") })
    }

    /// Approach 1 of the vocabulary law on an L_u surface of Tao et al.'s form: the per-budget
    /// optimum is the law's own optimal N_v, and N_v,opt grows as a power of C.
    @Test func vocabularyIsoFLOPFindsEachBudgetsOptimum() throws {
        let p: [String: Double] = ["E": 5.5, "alpha": 0.45, "alpha2": 0.67, "A1": 1.83 * Foundation.pow(1e6, 0.45), "A2": 0.196 * Foundation.pow(1e6, 0.67), "B": 2.12 * Foundation.pow(1e9, 0.45)]
        var rows: [Observation] = []
        let width = 512.0
        for (k, c) in [1e17, 1e18, 1e19].enumerated() {
            let n = 3e7 * Foundation.pow(4, Double(k))
            let vOpt = VocabLaw.optimalVocabulary(p, nonVocabParams: n, width: width, compute: c).v
            for f in [-1.2, -0.6, 0, 0.6, 1.2] {
                let v = vOpt * Foundation.exp(f), d = c / (6 * (n + v * width))
                let lu = VocabLaw.loss(p, n: n, nv: v * width, d: d)
                rows.append(obs([.N: n, .V: v, .d: width, .C: c, .budget: c, .Lu: lu, .loss: lu + 9], run: "\(c)-\(f)"))
            }
        }
        let fit = try VocabIsoFLOPLaw.fit(rows, options: FitOptions())
        #expect(fit.settings["unigram_normalized"] == 1)
        // A parabola in ln N_v is not the law's profile: its vertex sits ~6% off the optimum on
        // this ±1.2 span, by nearly the same factor at every budget, so the exponent stays close.
        var cs: [Double] = [], truths: [Double] = []
        for b in fit.budgets! {
            let n = 3e7 * Foundation.pow(4, Foundation.log10(b.compute / 1e17).rounded())
            let truth = VocabLaw.optimalVocabulary(p, nonVocabParams: n, width: width, compute: b.compute).v * width
            #expect(abs(Foundation.log(b.nOpt! / truth)) < 0.1, "Nv_opt \(b.nOpt!) vs \(truth)")
            cs.append(b.compute); truths.append(truth)
        }
        let gammaTrue = try #require(PowerLaw(x: cs, y: truths)).exponent
        #expect(abs(fit.params["gamma"]! - gammaTrue) < 0.005, "gamma \(fit.params["gamma"]!) vs \(gammaTrue)")
        #expect(fit.params["gamma_N"] != nil)
    }

    @Test func vocabularyDerivativeSolvesTheStationaryCondition() throws {
        let fTrue = (a: 0.0064, b: -0.158, c: 1.2047)  // Tao et al.'s SlimPajama f(V), in tokens per character
        var rows: [Observation] = []
        for v in [4096.0, 8192, 16384, 32768, 65536] { for (n, w) in [(33e6, 512.0), (300e6, 1024), (3e9, 2560)] {
            let l = Foundation.log(v), tpb = fTrue.a * l * l + fTrue.b * l + fTrue.c, loss = 3.0
            rows.append(obs([.N: n, .d: w, .V: v, .loss: loss, .bpb: tpb * loss / Foundation.log(2.0)], run: "\(v)-\(n)"))
        } }
        let fit = try VocabDerivativeLaw.fit(rows, options: FitOptions())
        #expect(abs(fit.params["f_a"]! - fTrue.a) < 1e-9 && abs(fit.params["f_b"]! - fTrue.b) < 1e-8)
        for (n, w) in [(33e6, 512.0), (3e9, 2560)] {
            let v = try #require(VocabDerivativeLaw.optimalVocabulary(fit.params, nonVocabParams: n, width: w))
            let lv = Foundation.log(v)
            let g = w * (fTrue.a * lv * lv + fTrue.b * lv + fTrue.c) + (n + v * w) * (2 * fTrue.a * lv + fTrue.b) / v
            #expect(abs(g) < 1e-6 * w, "stationarity residual \(g) at V=\(v)")
        }
        // Larger models want more vocabulary parameters, more slowly than their own size.
        #expect(fit.params["gamma"]! > 0 && fit.params["gamma"]! < 1)
    }
}
