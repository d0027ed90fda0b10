import Foundation
import Testing
import Support
@testable import Fitting

/// --fix, --bound, physical defaults, and the verdicts that follow from where parameters end.
@Suite struct ConstraintTests {
    static let truth: [String: Double] = ["E": 1.8, "A": 480, "B": 2100, "alpha": 0.35, "beta": 0.30]

    static func grid(_ p: [String: Double], noise: Double = 0, seed: UInt64 = 1, law: ([String: Double], Double, Double) -> Double = ChinchillaLaw.loss) -> [Observation] {
        var rng = SeededRandom(seed: seed)
        var out: [Observation] = []
        for i in 0..<8 { for r in [2.0, 5, 10, 20, 50, 100] {
            let n = 1e7 * Foundation.pow(1000, Double(i) / 7), d = n * r
            out.append(obs([.N: n, .D: d, .loss: law(p, n, d) * Foundation.exp(noise * rng.nextGaussian())], run: "n\(i)-r\(r)"))
        } }
        return out
    }

    static func options(_ fixes: [String] = [], _ bounds: [String] = []) throws -> FitOptions {
        var o = FitOptions()
        o.gridStride = 15
        for f in fixes { try o.constraints.addFix(f) }
        for b in bounds { try o.constraints.addBound(b) }
        return o
    }

    @Test func parsesFixesTiesAndBounds() throws {
        var c = ParameterConstraints()
        try c.addFix("E=1.4532"); try c.addFix("alpha = beta")
        try c.addBound("E<=2.1"); try c.addBound("beta>=0.1"); try c.addBound("0.2<=alpha<=0.6"); try c.addBound("3>=A")
        #expect(c.fixes["E"] == .value(1.4532) && c.fixes["alpha"] == .tied("beta"))
        #expect(c.upper["E"] == 2.1 && c.lower["beta"] == 0.1 && c.lower["alpha"] == 0.2 && c.upper["alpha"] == 0.6 && c.upper["A"] == 3)
        #expect(throws: ScaleLabError.self) { try c.addBound("E~2") }
        #expect(throws: ScaleLabError.self) { try c.addBound("beta<=0.05") }  // below its lower bound
        #expect(throws: ScaleLabError.self) { try c.addFix("E") }
        #expect(throws: ScaleLabError.self) { try c.addFix("E=E") }
    }

    @Test func fixedAndTiedParametersHoldAndTheRestIsRecovered() throws {
        let rows = Self.grid(Self.truth)
        let fixedE = try ChinchillaLaw.fit(rows, options: Self.options(["E=1.8"]))
        #expect(fixedE.params["E"] == 1.8)
        #expect(abs(fixedE.params["alpha"]! - 0.35) < 1e-4 && abs(fixedE.params["beta"]! - 0.30) < 1e-4)
        #expect(fixedE.diagnostics?.constraints["E"] == "fixed 1.8")
        var tiedTruth = Self.truth
        tiedTruth["beta"] = 0.35
        let tied = try ChinchillaLaw.fit(Self.grid(tiedTruth), options: Self.options(["alpha=beta"]))
        #expect(tied.params["alpha"] == tied.params["beta"])
        #expect(abs(tied.params["alpha"]! - 0.35) < 1e-4 && relErr(tied.params["E"]!, 1.8) < 1e-3)
        // A bound that excludes the truth holds, and the output marks the parameter on it.
        let bounded = try ChinchillaLaw.fit(rows, options: Self.options([], ["alpha<=0.3"]))
        #expect(bounded.params["alpha"]! <= 0.3 + 1e-12)
        let hit = try #require(bounded.diagnostics?.onBounds.first { $0.parameter == "alpha" })
        #expect(hit.side == "upper" && hit.byUser)
        #expect(bounded.diagnostics?.verdict.level == .weaklyDetermined)
        #expect(try FitReport(source: "x", fits: [bounded], runsUsed: [], runsExcluded: []).renderText().contains("ON UPPER BOUND 0.3"))
        // E held at a bound the user chose is reported as held there, not as unidentified.
        let heldE = try ChinchillaLaw.fit(rows, options: Self.options([], ["E<=1.7"]))
        #expect(heldE.params["E"]! <= 1.7 + 1e-12)
        #expect(heldE.diagnostics?.onBounds.contains { $0.parameter == "E" && $0.byUser } == true)
        #expect(heldE.diagnostics?.notIdentified.isEmpty == true && heldE.diagnostics?.verdict.level == .weaklyDetermined)
    }

    @Test func unknownParameterNamesListTheLawsParameters() throws {
        let dir = try temporaryDirectory("unknown")
        let path = try writeCSV(dir, "r.csv", header: ["N", "D", "loss"], rows: Self.grid(Self.truth).map { [$0[.N]!, $0[.D]!, $0[.loss]!] })
        var opt = try Self.options(["gamma=0.3"])
        #expect { try ScalingFit.run(FitRequest(path: path, laws: [.chinchilla], options: opt)) } throws: {
            "\($0)".contains("'gamma'") && "\($0)".contains("A, B, E, alpha, beta")
        }
        opt = try Self.options([], ["E<=2"])
        #expect { try ScalingFit.run(FitRequest(path: path, laws: [.kaplan], options: opt)) } throws: { "\($0)".contains("alpha_N") }
        opt = try Self.options(["alpha=E"])
        #expect { try ScalingFit.run(FitRequest(path: path, laws: [.chinchilla], options: opt)) } throws: { "\($0)".contains("different scales") }
    }

    /// Data without an irreducible loss: E runs to 0, and the fit says E is not identified
    /// rather than printing 0 as a result.
    @Test func irreducibleLossThatTheDataDoNotDetermineIsNotPrinted() throws {
        var p = Self.truth
        p["E"] = 0
        let fit = try ChinchillaLaw.fit(Self.grid(p, noise: 0.001), options: Self.options())
        let d = try #require(fit.diagnostics)
        #expect(d.notIdentified.contains("E"))
        #expect(d.verdict.level == .notIdentified)
        #expect(d.onBounds.contains { $0.parameter == "E" && $0.side == "lower" })
        let text = FitReport(source: "x", fits: [fit], runsUsed: [], runsExcluded: []).renderText()
        let eLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("  E ") })
        #expect(eLine.contains("not identified") && !eLine.contains("0."))
    }

    /// Larger models worse at equal D (fewer steps): the unbounded fit gives a negative
    /// exponent, the bounded one runs α to 0; both are reported as not a law.
    @Test func negativeExponentIsNotALaw() throws {
        let rising: ([String: Double], Double, Double) -> Double = { _, n, d in 2 + 0.02 * Foundation.pow(n / 1e7, 0.2) + 300 / Foundation.pow(d, 0.3) }
        let rows = Self.grid([:], noise: 0.001, law: rising)
        let bounded = try ChinchillaLaw.fit(rows, options: Self.options())
        #expect(bounded.diagnostics?.verdict.level == .notALaw)
        var free = try Self.options()
        free.constraints.physicalDefaults = false
        let unbounded = try ChinchillaLaw.fit(rows, options: free)
        #expect(unbounded.params["alpha"]! < 0)
        #expect(unbounded.diagnostics?.verdict.level == .notALaw)
        #expect(unbounded.diagnostics?.verdict.reason.contains("alpha") == true)
        // Kaplan L(N) on runs whose loss rises with N.
        let risingN = (0..<8).map { i -> Observation in
            let n = 1e6 * Foundation.pow(100, Double(i) / 7)
            return obs([.N: n, .loss: 2 * Foundation.pow(n / 1e6, 0.05)], run: "r\(i)")
        }
        let kaplan = try #require(try KaplanLaw.fit(risingN, options: FitOptions()).first { $0.variable == "N" })
        #expect(kaplan.diagnostics?.verdict.level == .notALaw)
        #expect(kaplan.params["alpha_N"]! >= 0)
    }

    @Test func wellDeterminedFitIsTrustworthy() throws {
        let fit = try ChinchillaLaw.fit(Self.grid(Self.truth, noise: 0.002, seed: 5), options: Self.options())
        let d = try #require(fit.diagnostics)
        #expect(d.verdict.level == .trustworthy, "\(d.verdict.line)")
        #expect(d.onBounds.isEmpty && d.notIdentified.isEmpty)
        #expect(d.residualStructure?.systematic == false)
        // The linearised standard error of α is the scale of its error over draws.
        #expect(abs(fit.params["alpha"]! - 0.35) < 5 * d.standardErrors["alpha"]!)
        #expect(d.standardErrors["alpha"]! < 0.02)
    }

    /// The Hessian diagnostics see a direction the data cannot resolve: B and β when D barely varies.
    @Test func nearFlatDirectionIsReported() throws {
        var rows: [Observation] = []
        for i in 0..<12 { for r in [20.0, 21] {
            let n = 1e7 * Foundation.pow(1000, Double(i) / 11)
            rows.append(obs([.N: n, .D: n * r, .loss: ChinchillaLaw.loss(Self.truth, n: n, d: n * r)], run: "\(i)-\(r)"))
        } }
        let fit = try ChinchillaLaw.fit(rows, options: Self.options())
        let d = try #require(fit.diagnostics)
        #expect(d.verdict.level != .trustworthy, "\(d.verdict.line)")
        #expect((d.hessianCondition ?? 0) > 1e6 && !d.flatDirections.isEmpty)
    }
}

/// The screened multi-start (every start to a loose tolerance, the best endpoints polished)
/// finds the optimum the exhaustive one finds, with fewer evaluations.
@Suite struct ScreeningTests {
    @Test func screenedMultiStartMatchesExhaustive() throws {
        var rng = SeededRandom(seed: 31)
        var rows: [Observation] = []
        for i in 0..<8 { for r in [2.0, 5, 10, 20, 50, 100] {
            let n = 1e7 * Foundation.pow(1000, Double(i) / 7)
            rows.append(obs([.N: n, .D: n * r, .loss: ChinchillaLaw.loss(ConstraintTests.truth, n: n, d: n * r) * Foundation.exp(0.01 * rng.nextGaussian())], run: "\(i)-\(r)"))
        } }
        let p = try ChinchillaLaw.points(rows, law: .chinchilla)
        let obj = ChinchillaObjective(logN: PointBuffer(p.logN), logD: PointBuffer(p.logD), logL: PointBuffer(p.logL))
        let starts = ChinchillaLaw.grid(stride: 5)
        let full = try #require(MultiStart.minimize(obj, starts: starts, options: .tight))
        let screened = try #require(MultiStart.minimize(obj, starts: starts, options: .tight, screening: .standard))
        #expect(abs(screened.best.value - full.best.value) <= 1e-12 * full.best.value)
        for k in 0..<5 { #expect(abs(screened.best.x[k] - full.best.x[k]) < 1e-5) }
        #expect(screened.totalStarts == full.totalStarts)
        #expect(screened.totalEvaluations < full.totalEvaluations)
        let again = try #require(MultiStart.minimize(obj, starts: starts, options: .tight, screening: .standard))
        #expect(again.best.x == screened.best.x)
    }
}
