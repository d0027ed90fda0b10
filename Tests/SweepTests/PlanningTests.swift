import Foundation
import Testing
import Model
import Training
@testable import Sweep

/// The planner's numbers, checked against the GPT-2 parameter count written out by hand:
/// embedding V·d + T·d, non-embedding L·(12d² + 13d) + 2d.
@Suite struct PlanningTests {
    let text = URL(fileURLWithPath: "/nonexistent/words.txt")

    func nonEmbedding(_ d: Int, _ l: Int) -> Int { l * (12 * d * d + 13 * d) + 2 * d }
    func embedding(_ d: Int) -> Int { 256 * d + 32 * d }

    func plan(_ yaml: String, overrides: [String] = []) throws -> SweepPlan {
        try Planner.plan(try SweepConfig.parse(yaml: yaml, source: "s.yaml", overrides: overrides))
    }

    @Test func tokensPerParameterGivesWholeStepsAndKeepsTheRequest() throws {
        let yaml = tinySweepYAML(name: "t", text: text)
            .replacingOccurrences(of: "tokens: [25600, 51200]\nwsd_branches: true", with: "tokens_per_param: [10, 20]")
        let p = try plan(yaml)
        #expect(p.rows.count == 4 && p.runs.count == 4, "no trunks without wsd_branches")
        for run in p.rows {
            let d = run.config.model.dModel, l = run.config.model.nLayer
            let n = Double(nonEmbedding(d, l) + embedding(d))
            let ratio = run.requestedTokens! / n
            #expect(ratio == 10 || ratio == 20)
            #expect(run.config.training.steps == Int((run.requestedTokens! / 256).rounded()), "steps = D / (batch·context) rounded")
            #expect(run.tokens == run.config.training.steps * 256)
        }
    }

    @Test(arguments: [("6N", 0), ("6N_non_embedding", 1), ("full", 2)])
    func isoFLOPDerivesTokensFromTheBudgetInTheNamedConvention(convention: String, kind: Int) throws {
        let yaml = tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "tokens: [25600, 51200]\nwsd_branches: true",
                                                                             with: "isoflop: {budgets: [3.0e+9, 1.0e+10], convention: \(convention)}")
        let p = try plan(yaml)
        #expect(p.rows.count == 4)
        for run in p.rows {
            let d = run.config.model.dModel, l = run.config.model.nLayer
            let perToken: Double = [6 * Double(nonEmbedding(d, l) + embedding(d)), 6 * Double(nonEmbedding(d, l)),
                                    6 * Double(nonEmbedding(d, l)) + 6 * 256 * Double(d) + 6 * Double(l * 32 * d)][kind]
            let budget = try #require(run.budget)
            #expect(run.budgetConvention == convention)
            #expect(run.config.training.steps == Int((budget / perToken / 256).rounded()))
        }
        #expect(p.sweptKeys.contains("training.steps"))
    }

    @Test func isoFLOPSpanKeepsSizesNearTheExpectedOptimum() throws {
        // N_opt = √(C / (6·20)): at C = 1.2e10, N_opt = 1e4, so within 2× only d16 (7920 total) is kept.
        let yaml = tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "tokens: [25600, 51200]\nwsd_branches: true",
                                                                             with: "isoflop: {budgets: [1.2e+10], convention: 6N, span: 2}")
        let p = try plan(yaml)
        #expect(p.rows.map(\.config.model.dModel) == [16])
    }

    /// A budget written with its widths trains only those (lab 09's single 4× run), whatever the
    /// span says; a width the sweep does not have is an error before anything runs.
    @Test func aBudgetWithNamedWidthsTrainsOnlyThose() throws {
        let iso = "isoflop: {budgets: [1.2e+10, {compute: 4.8e+10, d_model: [32]}], convention: 6N, span: 2}"
        let yaml = tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "tokens: [25600, 51200]\nwsd_branches: true", with: iso)
        let p = try plan(yaml)
        #expect(p.rows.map { "\($0.config.model.dModel)@\($0.budget!)" }.sorted() == ["16@12000000000.0", "32@48000000000.0"])
        let bad = yaml.replacingOccurrences(of: "d_model: [32]}", with: "d_model: [40]}")
        #expect { try plan(bad) } throws: { "\($0)".contains("names d_model 40, which no size of the sweep has") }
        let twice = yaml.replacingOccurrences(of: "{compute: 4.8e+10, d_model: [32]}", with: "1.2e+10")
        #expect { try plan(twice) } throws: { "\($0)".contains("listed twice") }
    }

    @Test func familyFromParameterTargetsPicksTheClosestShape() throws {
        let yaml = tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "d_model: [16, 32]", with: "params_non_embedding: [3000, 25000]")
        let p = try plan(yaml)
        #expect(Set(p.rows.map(\.family)) == ["d16-L1-H2", "d32-L2-H4"])
        #expect(p.rows.allSatisfy { ModelAccounting($0.config.model).nParamsNonEmbedding == nonEmbedding($0.config.model.dModel, $0.config.model.nLayer) })
    }

    @Test func learningRateAsAPowerLawOfN() throws {
        let p = try plan(tinySweepYAML(name: "t", text: text, extra: "lr: {power_law: {anchor_params: 3312, anchor_lr: 0.01, exponent: -0.5}}"))
        for run in p.runs {
            let n = Double(nonEmbedding(run.config.model.dModel, run.config.model.nLayer))
            #expect(abs(run.config.training.lr - 0.01 * (3312 / n).squareRoot()) < 1e-15)
        }
        #expect(Set(p.runs.map(\.config.training.lr)).count == 2)
    }

    @Test func wsdBranchesShareOneTrunkPerSize() throws {
        let p = try plan(tinySweepYAML(name: "t", text: text))
        let trunks = p.runs.filter { $0.role == .trunk }
        #expect(trunks.count == 2 && p.rows.count == 4)
        for trunk in trunks {
            #expect(trunk.branchPoints == [75, 150], "decay starts at 100 − 25 and 200 − 50")
            let branches = p.rows.filter { $0.trunk == trunk.id }
            #expect(branches.count == 2 && branches.allSatisfy { $0.config.model == trunk.config.model })
            #expect(branches.map(\.branchStep) == [75, 150])
        }
        // Validation every 8 steps (a power of two, ≥ 10 points in the 100-step run), same in trunk and branches.
        #expect(p.runs.allSatisfy { $0.config.training.evalInterval == 8 })
    }

    @Test func runsThatDifferOnlyByAGridValueGetDifferentNames() throws {
        let yaml = tinySweepYAML(name: "t", text: text) + "\ngrid:\n  training.schedule.kind: [wsd, power]\n  seed: [1, 2]\n"
        let p = try plan(yaml)
        let names = p.runs.map(\.config.name)
        #expect(Set(names).count == names.count, "\(names)")
        #expect(names.contains { $0.hasSuffix("-power-seed2") } && names.contains { $0.hasSuffix("-wsd-seed1-trunk") }, "\(names)")
    }

    @Test func aSweptKeyThatIsAlreadyAColumnIsNotRepeated() {
        let header = ResultsTable.header(sweptKeys: ["seed", "training.schedule.kind"])
        #expect(header.filter { $0 == "seed" }.count == 1)
        #expect(header.last == "training.schedule.kind")
    }

    @Test func validationNeverTakesMoreThanATenthOfTraining() throws {
        // 40 eval batches cost about 13 training steps: a 16-step interval (what 10 points in the
        // 100-step branch ask for, rounded) would spend 80% of the run evaluating.
        let yaml = tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "eval_batches: 2", with: "eval_batches: 40")
        let p = try plan(yaml)
        for run in p.runs {
            let interval = run.config.training.evalInterval
            #expect(Double(40) / 3 / Double(interval) <= 0.1, "interval \(interval)")
            #expect(interval == 256, "the smallest power of two that keeps evaluation ≤ 10%")
        }
    }

    @Test func runIDsHashTheResolvedRunAndSurviveEdits() throws {
        let yaml = tinySweepYAML(name: "t", text: text)
        let a = try plan(yaml), b = try plan(yaml)
        #expect(a.runs.map(\.id) == b.runs.map(\.id))
        #expect(Set(a.runs.map(\.id)).count == a.runs.count)
        // A longer length added: the existing runs and the trunks keep their ids.
        let longer = try plan(yaml.replacingOccurrences(of: "tokens: [25600, 51200]", with: "tokens: [25600, 51200, 102400]"))
        #expect(Set(a.runs.map(\.id)).isSubset(of: Set(longer.runs.map(\.id))))
        #expect(longer.rows.count == 6)
        // Another sweep name, or another thread count, is the same run.
        let renamed = try plan(yaml.replacingOccurrences(of: "name: t", with: "name: other"), overrides: ["base.threads=1"])
        #expect(renamed.runs.map(\.id) == a.runs.map(\.id))
        // A changed value is a different run.
        let changed = try plan(yaml, overrides: ["base.training.lr=0.02"])
        #expect(Set(changed.runs.map(\.id)).isDisjoint(with: Set(a.runs.map(\.id))))
    }

    @Test func dryRunOfAThousandRunsIsFast() throws {
        let cache = scratch("throughput").appendingPathComponent("t.json")
        let yaml = tinySweepYAML(name: "t", text: text).replacingOccurrences(of: "wsd_branches: true", with: "")
        let config = try SweepConfig.parse(yaml: yaml, source: "s.yaml",
                                           overrides: ["grid.seed=[\((1...50).map(String.init).joined(separator: ","))]",
                                                       "grid.training.lr=[0.001,0.002,0.004,0.008,0.016]"])
        let clock = ContinuousClock()
        var table = ""
        let cold = try clock.measure {
            let p = try Planner.plan(config)
            table = Estimator.table(p, try Estimator.estimate(p, throughput: Throughput(cache: cache)))
        }
        let warm = try clock.measure {
            let p = try Planner.plan(config)
            #expect(p.rows.count == 1000)
            table = Estimator.table(p, try Estimator.estimate(p, throughput: Throughput(cache: cache)))
        }
        print("dry-run of 1,000 runs: \(cold) with the step-time measurement, \(warm) with it cached")
        #expect(table.split(separator: "\n").count > 1000)
        #expect(warm < .seconds(2))
        // The swept seed is in a grid column (the learning rate has its own column).
        let lines = table.split(separator: "\n")
        #expect(lines[1].hasSuffix("grid") && lines.contains { $0.hasSuffix("seed=50") } && !lines[1].contains("lr=") )
    }
}

extension PlanningTests {
    @Test func batchSizeAsAPowerLawOfNRoundedToAPowerOfTwo() throws {
        // d16: 3312 non-embedding → 8; d32: 25472 → 8·(25472/3312)^0.5 = 22.2 → 16 (log2 4.47 rounds to 4).
        let p = try plan(tinySweepYAML(name: "t", text: text,
                                       extra: "batch_size: {power_law: {anchor_params: 3312, anchor_batch: 8, exponent: 0.5}}"))
        for run in p.rows {
            #expect(run.config.training.batchSize == (run.config.model.dModel == 16 ? 8 : 16))
            #expect(run.tokens == run.config.training.steps * run.config.training.batchSize * 32)
            #expect(run.swept["training.batch_size"] == "\(run.config.training.batchSize)")
        }
    }
}
