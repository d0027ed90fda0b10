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
        let h = Headline(fit: FitReport(source: "x", fits: [a3], runsUsed: [], runsExcluded: []))
        #expect(h.fittedE?.undetermined != nil)
        let text = h.lines().joined(separator: "\n")
        #expect(text.contains("irreducible loss E: not determined"), "\(text)")
        let good = fit(.chinchilla, params: ["E": 1.5, "A": 1, "B": 1, "alpha": 0.3, "beta": 0.3], verdict: .trustworthy)
        let h2 = Headline(fit: FitReport(source: "x", fits: [good], runsUsed: [], runsExcluded: []))
        #expect(h2.fittedE?.undetermined == nil && h2.fittedE?.value == 1.5)
        #expect(h2.lines().joined().contains("irreducible loss E: 1.5"))
    }
}
