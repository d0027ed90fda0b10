import Foundation
import Testing
import Support
@testable import Sweep

/// Bad sweep configs are errors before anything runs, naming file, line and key.
@Suite struct SweepConfigErrorTests {
    let text = URL(fileURLWithPath: "/nonexistent/words.txt")

    func error(_ yaml: String, overrides: [String] = []) -> String? {
        do {
            let config = try SweepConfig.parse(yaml: yaml, source: "s.yaml", overrides: overrides)
            _ = try Planner.plan(config)
            return nil
        } catch { return "\(error)" }
    }

    @Test func unknownAxisKeyIsNamedWithItsLineAndASuggestion() {
        let e = error(tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "tokens: [", with: "tokns: ["))
        #expect(e?.contains("s.yaml:8") == true, "\(e ?? "no error")")
        #expect(e?.contains("'tokns'") == true && e?.contains("did you mean 'tokens'") == true, "\(e ?? "no error")")
        let nested = error(tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "head_size", with: "head_sise"))
        #expect(nested?.contains("family.head_sise") == true && nested?.contains("did you mean 'head_size'") == true, "\(nested ?? "no error")")
    }

    @Test func gridOverAKeyTheRunConfigLacksIsAnError() {
        let e = error(tinySweepYAML(name: "t", text: text, extra: "grid: {training.lrr: [0.01, 0.02]}"))
        #expect(e?.contains("grid.training.lrr") == true, "\(e ?? "no error")")
        #expect(e?.contains("did you mean 'training.lr'") == true, "\(e ?? "no error")")
        #expect(e?.contains("s.yaml:11") == true, "the grid entry's line: \(e ?? "no error")")
        // A key that exists but a value of the wrong type names the grid point.
        let typed = error(tinySweepYAML(name: "t", text: text, extra: "grid: {training.batch_size: [8, many]}"))
        #expect(typed?.contains("grid.training.batch_size[1]") == true, "\(typed ?? "no error")")
    }

    @Test func budgetTooSmallForTheSmallestModelIsAnError() {
        let yaml = tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "tokens: [25600, 51200]\nwsd_branches: true",
                                                                             with: "isoflop: {budgets: [1.0e+9, 1.0e+5], convention: 6N}")
        let e = error(yaml)
        #expect(e?.contains("too small for the smallest model") == true, "\(e ?? "no error")")
        #expect(e?.contains("1e+05") == true && e?.contains("d16-L1-H2") == true, "names the budget and the model: \(e ?? "no error")")
        let unnamed = error(yaml.replacingOccurrences(of: ", convention: 6N", with: ""))
        #expect(unnamed?.contains("isoflop.convention") == true, "the FLOP convention must be named: \(unnamed ?? "no error")")
    }

    @Test(arguments: [
        ("head_size: 8", "head_size: 12", "not a multiple of head_size 12"),
        ("aspect_ratio: 16", "aspect_ratio: 64", "0 layers"),
    ])
    func familyRuleGivingAnInvalidShapeIsAnError(from: String, to: String, expected: String) {
        let e = error(tinySweepYAML(name: "t", text: text).replacingOccurrences(of: from, with: to))
        #expect(e?.contains(expected) == true, "\(e ?? "no error")")
        #expect(e?.contains("s.yaml:7") == true, "the family entry's line: \(e ?? "no error")")
    }

    @Test func setOverridesReachTheBaseAndTheGrid() throws {
        let yaml = tinySweepYAML(name: "t", text: text)
        let c = try SweepConfig.parse(yaml: yaml, source: "s.yaml", overrides: ["base.training.lr=3e-3", "grid.seed=[1,2,3]"])
        let plan = try Planner.plan(c)
        #expect(plan.rows.count == 12)
        #expect(plan.runs.allSatisfy { $0.config.training.lr == 3e-3 })
        #expect(Set(plan.rows.map(\.config.seed)) == [1, 2, 3])
        #expect(plan.sweptKeys.first == "seed")
        let bad = error(yaml, overrides: ["bsae.training.lr=1"])
        #expect(bad?.contains("did you mean 'base'") == true, "\(bad ?? "no error")")
    }

    @Test func aVocabularyAxisOnACorpusNeedsBPE() {
        let yaml = tinySweepYAML(name: "t", text: text)
            .replacingOccurrences(of: "data: {text: \(text.path)}", with: "data: {corpus: synthetic-zipf, tokenizer: bytes}")
        let e = error(yaml + "\nvocab: [512, 1024]")
        #expect(e?.contains("tokenizer: bpe") == true, "\(e ?? "no error")")
    }
}
