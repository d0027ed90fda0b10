import Fitting
import Foundation
import Support
import Sweep
import Testing
@testable import Studies

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct StudyCatalogTests {
    let catalog = StudyCatalog(source: .directory(packageRoot.appendingPathComponent("configs")))

    @Test func builtinStudiesAreTheFilesInConfigs() throws {
        let files = try catalog.entries()
        #expect(files.first?.name == "quickstart")
        #expect(Set(files.map(\.name)) == Set(BuiltinStudies.files.keys), "run scripts/embed-builtins.sh after adding or removing a study")
        for e in files {
            let text = try String(contentsOfFile: e.path, encoding: .utf8)
            #expect(BuiltinStudies.files[e.name] == text, "\(e.path) differs from its built-in copy: run scripts/embed-builtins.sh")
            // Every law a study names exists, and the plan is valid before anything runs.
            _ = try StudyRunner.laws(e.settings)
            _ = try Planner.plan(e.sweep)
            #expect(e.settings.expectedMinutes <= (e.name == "quickstart" ? 15 : 20), "\(e.name): the issue's time limit")
        }
        let builtin = try StudyCatalog(source: .builtin).entries()
        #expect(builtin.map(\.name) == files.map(\.name))
    }

    @Test func namesNumbersAndMisspellingsResolve() throws {
        #expect(try catalog.entry(named: "01").name == "01-first-model")
        #expect(try catalog.entry(named: "1").name == "01-first-model")
        #expect(try catalog.entry(named: "quickstart").sweep.name == "quickstart")
        do {
            _ = try catalog.entry(named: "quickstrat")
            Issue.record("a misspelt study name must fail")
        } catch let e as ScaleLabError {
            #expect(e.description.contains("did you mean 'quickstart'"))
        }
    }

    @Test func unknownLawIsAConfigErrorNamingTheLine() throws {
        let yaml = """
        name: s
        study: {title: t, expected_minutes: 1, laws: [chinchila]}
        base:
          model: {d_model: 16, n_layer: 1, n_head: 2, context: 16}
          data: {corpus: shakespeare}
          training: {steps: 10, lr: 1.0e-3}
        """
        let sweep = try SweepConfig.parse(yaml: yaml, source: "s.yaml")
        guard let settings = sweep.study else { Issue.record("study section not read"); return }
        do {
            _ = try StudyRunner.laws(settings)
            Issue.record("an unknown law must be refused")
        } catch let e as ScaleLabError {
            #expect(e.description.contains("s.yaml:2") && e.description.contains("did you mean 'chinchilla'"), "\(e)")
        }
    }
}

@Suite struct StudyLossTests {
    func settings(_ loss: String) throws -> StudySettings? {
        let yaml = """
        name: s
        study: {title: t, expected_minutes: 1, laws: [vocab-isoflop], loss: \(loss)}
        base:
          model: {d_model: 16, n_layer: 1, n_head: 2, context: 16}
          data: {corpus: shakespeare}
          training: {steps: 10, lr: 1.0e-3}
        """
        return try SweepConfig.parse(yaml: yaml, source: "s.yaml").study
    }

    /// Lab 06 compares vocabularies in bits per byte: the laws must read that column as the loss
    /// and as the vocabulary laws' normalised loss, and per-token loss otherwise.
    @Test func bitsPerByteReplacesTheLossForEveryLaw() throws {
        let s = try #require(try settings("bits_per_byte"))
        #expect(s.loss == .bitsPerByte)
        let bpb = StudyRunner.selection(.total, loss: s.loss).columns
        #expect(bpb["loss"] == "bits_per_byte" && bpb["Lu"] == "bits_per_byte")
        let kaplan = StudyRunner.selection(.nonEmbedding, loss: s.loss).columns
        #expect(kaplan["N"] == "n_params_non_embedding" && kaplan["loss"] == "bits_per_byte")
        #expect(StudyRunner.selection(.total).columns.isEmpty)
        #expect(try settings("val_loss")?.loss == .valLoss)
        do {
            _ = try settings("bpb")
            Issue.record("an unknown loss must be refused")
        } catch let e as ScaleLabError {
            #expect(e.description.contains("s.yaml:2") && e.description.contains("bits_per_byte"), "\(e)")
        }
    }
}

@Suite struct HeadlineTests {
    func fit(_ law: LawName, params: [String: Double], verdict: Verdict.Level, notIdentified: [String] = []) -> LawFit {
        var f = LawFit(law: law, params: params, nPoints: 10, goodness: .of(observed: [1, 2], predicted: [1, 2], objective: 0), residuals: [], settings: [:], notes: [])
        var d = FitDiagnostics()
        d.verdict = Verdict(level: verdict, reason: "test")
        d.notIdentified = notIdentified
        f.diagnostics = d
        return f
    }

    @Test func anUndeterminedParameterIsNotPrintedAsAResult() {
        let a3 = fit(.chinchilla, params: ["E": 0, "A": 1, "B": 1, "alpha": 0.3, "beta": 0.3], verdict: .notIdentified, notIdentified: ["E"])
        var h = Headline(fit: FitReport(source: "x", fits: [a3], runsUsed: [], runsExcluded: []))
        h.trueE = 1.2; h.contextFloorE = 1.25
        #expect(h.fittedE?.undetermined != nil)
        let text = h.lines().joined(separator: "\n")
        #expect(text.contains("irreducible loss E: not determined"), "\(text)")
        // Lab 08: the distance to the floor must not read as a result either.
        #expect(text.contains("(the fitted E, which is not determined, would be -100.00% off)") && !text.contains("(fitted E is"), "\(text)")
        let good = fit(.chinchilla, params: ["E": 1.5, "A": 1, "B": 1, "alpha": 0.3, "beta": 0.3], verdict: .trustworthy)
        let h2 = Headline(fit: FitReport(source: "x", fits: [good], runsUsed: [], runsExcluded: []))
        #expect(h2.fittedE?.undetermined == nil && h2.fittedE?.value == 1.5)
        #expect(h2.lines().joined().contains("irreducible loss E: 1.5"))
        var h3 = h2
        h3.trueE = 1.5
        #expect(h3.lines().joined().contains("(fitted E is +0.00% off)"))
    }

    /// Lab 04: the fit with Kaplan's non-embedding count is reported beside, never instead of,
    /// the fit with all parameters, whichever comes first in fit.json.
    @Test func theNonEmbeddingFitIsReportedBesideTheTotalOne() {
        var kaplan = fit(.chinchillaIsoFLOP, params: ["a": 0.9, "b": 0.1, "k_N": 1, "k_D": 1], verdict: .trustworthy)
        kaplan.columns = ["N": "n_params_non_embedding", "C": "flops_kaplan"]
        let total = fit(.chinchillaIsoFLOP, params: ["a": 0.5, "b": 0.5, "k_N": 1, "k_D": 1], verdict: .trustworthy)
        let h = Headline(fit: FitReport(source: "x", fits: [kaplan, total], runsUsed: [], runsExcluded: []))
        #expect(h.exponentA?.value == 0.5 && h.exponentANonEmbedding?.value == 0.9)
        let text = h.lines().joined(separator: "\n")
        #expect(text.contains("N_opt ∝ C^a, a: 0.5") && text.contains("(Kaplan's count): 0.9"), "\(text)")
        #expect(h.verdicts.keys.contains("chinchilla-isoflop (non-embedding N)") && h.verdicts.keys.contains("chinchilla-isoflop"))
    }
}

extension HeadlineTests {
    /// Per-token loss favours small vocabularies by construction (lab 06: V = 512 had the lowest
    /// loss per token and the highest bits per byte), so a vocabulary study's best run is by bits
    /// per byte.
    @Test func theBestRunOfAVocabularyStudyIsTheOneWithFewestBitsPerByte() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("best-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.csv")
        try "name,status,final_val_loss,bits_per_byte\nv512,done,2.96,2.44\nv8192,done,5.10,1.75\nbroken,failed,1.0,1.0\n".write(to: results, atomically: true, encoding: .utf8)
        #expect(Headline.BestRun(results: results)?.name == "v512")
        let byBytes = try #require(Headline.BestRun(results: results, byBitsPerByte: true))
        #expect(byBytes.name == "v8192" && byBytes.finalValidationLoss == 5.10 && byBytes.bitsPerByte == 1.75 && byBytes.runs == 2)
    }

    /// Lab 06: γ and each budget's best vocabulary reach the headline; a budget without an optimum
    /// says why instead of printing a number.
    @Test func vocabularyOptimaAndTheirExponentAreReported() {
        var f = fit(.vocabIsoFLOP, params: ["gamma": 0.42, "k": 1], verdict: .weaklyDetermined)
        f.budgets = [IsoFLOPBudget(compute: 1e12, points: 5, nOpt: 40_000, lossAtOpt: 2.1, excluded: nil, sizesUsed: nil),
                     IsoFLOPBudget(compute: 4e12, points: 5, nOpt: nil, lossAtOpt: nil, excluded: "the largest vocabulary is best", sizesUsed: nil)]
        let h = Headline(fit: FitReport(source: "x", fits: [f], runsUsed: [], runsExcluded: []))
        #expect(h.vocabularyExponent?.value == 0.42 && h.vocabularyExponent?.undetermined == nil)
        let text = h.lines().joined(separator: "\n")
        #expect(text.contains("N_v = V·d = 4e+04") && text.contains("no optimum over the vocabularies (the largest vocabulary is best)"), "\(text)")
        #expect(text.contains("γ: 0.42"), "\(text)")
        let flat = fit(.vocabIsoFLOP, params: ["gamma": -0.1, "k": 1], verdict: .notALaw)
        #expect(Headline(fit: FitReport(source: "x", fits: [flat], runsUsed: [], runsExcluded: [])).vocabularyExponent?.undetermined != nil)
    }
}

@Suite struct AnnealingCheckTests {
    /// Curves made by the law itself: fitted on the first two schedules, it must predict the third
    /// (listed last in results.csv) almost exactly, and name the runs it used.
    @Test func predictsTheLastRunsCurveFromTheOthers() throws {
        let truth = LawFit(law: .annealing, params: ["L0": 1.5, "A": 0.8, "alpha": 0.45, "C": 0.25], nPoints: 1,
                           goodness: .of(observed: [1, 2], predicted: [1, 2], objective: 0), residuals: [], settings: ["lambda": 0.999])
        let steps = (1...600).map(Double.init), peak = 1e-2
        let schedules: [(String, (Double) -> Double)] = [
            ("constant", { _ in peak }),
            ("cosine", { s in peak * 0.5 * (1 + cos(Double.pi * s / 600)) }),
            ("wsd", { s in s <= 480 ? peak : peak * (1 - ((s - 480) / 120).squareRoot()) }),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-anneal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var results = "run_id,name,status,n_params_total,tokens,final_val_loss\n", curves = "run_id,step,tokens,lr,train_loss,val_loss\n"
        for (name, lr) in schedules {
            let rates = steps.map(lr)
            let loss = AnnealingLaw.predictCurve(truth, steps: steps, lr: rates)
            results += "\(name)-id,run-\(name),done,10000,\(600 * 64),\(loss.last ?? 0)\n"
            for i in steps.indices {
                curves += "\(name)-id,\(Int(steps[i])),\(Int(steps[i]) * 64),\(rates[i]),,\(Int(steps[i]) % 10 == 0 ? String(loss[i]) : "")\n"
            }
        }
        try results.write(to: dir.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        try curves.write(to: dir.appendingPathComponent("curves.csv"), atomically: true, encoding: .utf8)
        let (check, report) = try AnnealingCheck.run(sweepDirectory: dir, options: FitOptions())
        #expect(check.heldOutRun == "run-wsd" && check.fittedRuns == ["run-constant", "run-cosine"])
        #expect(check.points == 60)
        #expect(check.meanAbsRelativeError < 2e-3, "\(check.meanAbsRelativeError)")
        #expect(report.fits.first?.law == "annealing")
    }
}
