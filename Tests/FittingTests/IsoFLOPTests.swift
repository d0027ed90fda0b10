import Foundation
import Testing
import Support
@testable import Fitting

/// Approach 2: exact exponents on noise-free surfaces, budgets grouped by the planning
/// convention, parabolas around the best size, and budgets at the edge dropped with the reason.
@Suite struct IsoFLOPTests {
    /// Sizes at the same log offsets from each budget's optimum (as a planned sweep places them).
    static func rows(_ p: [String: Double], budgets: [Double], offsets: [Double], edgeBudget: Double? = nil) -> [Observation] {
        var out: [Observation] = []
        for c in budgets {
            let nOpt = ChinchillaLaw.optimalAllocation(p, compute: c).n
            for (k, f) in offsets.enumerated() {
                let n = nOpt * Foundation.exp(f)
                out.append(obs([.N: n, .C: c, .loss: ChinchillaLaw.loss(p, n: n, d: c / (6 * n))], run: "c\(c)-\(k)"))
            }
        }
        return out
    }

    @Test(arguments: [(0.34, 0.34), (0.34, 0.28), (0.45, 0.25)])
    func exponentsAreExactOnNoiseFreeSurfaces(alpha: Double, beta: Double) throws {
        let p: [String: Double] = ["E": 1.7, "A": 406, "B": 411, "alpha": alpha, "beta": beta]
        // Asymmetric placement around the optimum too: the vertex offset is the same at every
        // budget, so the exponents stay exact (only the intercepts are biased when α ≠ β).
        for offsets in [[-1.5, -0.75, 0, 0.75, 1.5], [-2.0, -1.2, -0.4, 0.4, 1.2, 2.0, 2.8]] {
            let fit = try IsoFLOPLaw.fit(Self.rows(p, budgets: [1e18, 1e19, 1e20, 1e21], offsets: offsets), options: FitOptions())
            let a = beta / (alpha + beta)
            #expect(abs(fit.params["a"]! - a) < 1e-4, "a \(fit.params["a"]!) vs \(a) (α \(alpha), β \(beta), offsets \(offsets))")
            #expect(abs(fit.params["b"]! - (1 - a)) < 1e-4)
            #expect(fit.diagnostics?.verdict.level == .trustworthy)
        }
    }

    @Test func exponentIntervalIsTheRegressionSlopeInterval() throws {
        // N_opt = C^0.5 with log-residuals +δ, −2δ, +δ at log C = 0, 1, 2 (units of ln 10):
        // slope stays 0.5, RSS = 6δ², Sxx = 2 (ln 10)², SE = √(6δ² / 1 / Sxx), t(1 dof) = 12.706.
        let d = 0.05, c: [Double] = [1, 10, 100]
        let n = zip(c, [d, -2 * d, d]).map { Foundation.pow($0, 0.5) * Foundation.exp($1) }
        let law = try #require(PowerLaw(x: c, y: n))
        #expect(abs(law.exponent - 0.5) < 1e-12)
        let se = (6 * d * d / (2 * Foundation.log(10) * Foundation.log(10))).squareRoot()
        let ci = try #require(law.exponentInterval(points: 3))
        #expect(abs(ci[0] - (0.5 - 12.706 * se)) < 1e-9 && abs(ci[1] - (0.5 + 12.706 * se)) < 1e-9, "\(ci) vs SE \(se)")
        // Two points: a line through both has no error estimate, so no interval.
        #expect(try #require(PowerLaw(x: [1, 10], y: [1, 3])).exponentInterval(points: 2) == nil)
    }

    @Test func aWideExponentIntervalIsOnlyWeaklyDetermined() {
        let g = Goodness.of(observed: [1, 2, 3], predicted: [1, 2, 3], objective: 0)
        #expect(IsoFLOPLaw.verdict(a: 0.5, used: 4, total: 4, goodness: g, interval: [0.45, 0.55]).level == .trustworthy)
        #expect(IsoFLOPLaw.verdict(a: 0.64, used: 4, total: 4, goodness: g, interval: [0.13, 1.15]).level == .weaklyDetermined)
    }

    @Test func budgetsAtTheEdgeAreDroppedWithTheReason() throws {
        let p: [String: Double] = ["E": 1.7, "A": 406, "B": 411, "alpha": 0.34, "beta": 0.28]
        var rows = Self.rows(p, budgets: [1e18, 1e19, 1e20], offsets: [-1, -0.5, 0, 0.5, 1])
        // A budget whose sizes all lie above its optimum: the smallest wins.
        rows += Self.rows(p, budgets: [1e21], offsets: [0.8, 1.3, 1.8, 2.3])
        let fit = try IsoFLOPLaw.fit(rows, options: FitOptions())
        let dropped = try #require(fit.budgets?.first { $0.excluded != nil })
        #expect(relErr(dropped.compute, 1e21) < 1e-9)
        #expect(dropped.excluded!.contains("smallest sampled size"))
        #expect(fit.budgets!.filter { $0.excluded == nil }.allSatisfy { ($0.sizesUsed?.count ?? 0) >= 3 })
    }

    /// Under-trained sizes far from the optimum bend a global parabola; the window around the
    /// best size ignores them and reports which sizes it used.
    @Test func parabolaIsFittedAroundTheBestSize() throws {
        let p: [String: Double] = ["E": 1.7, "A": 406, "B": 411, "alpha": 0.34, "beta": 0.28]
        let offsets = [-3.0, -2.0, -1.0, -0.5, 0, 0.5, 1.0, 2.0, 3.0]
        let rows = Self.rows(p, budgets: [1e18, 1e19, 1e20, 1e21], offsets: offsets)
        var opt = FitOptions()
        opt.isoFLOPWindow = 3
        let fit = try IsoFLOPLaw.fit(rows, options: opt)
        for b in fit.budgets! {
            let used = try #require(b.sizesUsed)
            #expect(used.count == 3)
            let nOpt = ChinchillaLaw.optimalAllocation(p, compute: b.compute).n
            #expect(abs(Foundation.log(b.nOpt! / nOpt)) < 0.05)
        }
        #expect(abs(fit.params["a"]! - 0.28 / 0.62) < 1e-4)
    }

    /// Budgets planned under 6·N_total·D, fitted in Kaplan's convention (N non-embedding,
    /// C = 6·N_non-embedding·D): the runs of a budget no longer share C, yet each budget stays a
    /// budget because runs are grouped by the planning column.
    @Test func budgetsAreGroupedByThePlanningConvention() throws {
        let p: [String: Double] = ["E": 1.7, "A": 406, "B": 411, "alpha": 0.34, "beta": 0.28]
        var rows: [Observation] = []
        let embedding = 2e6
        for c in [1e16, 1e17, 1e18, 1e19] {
            let nOpt = ChinchillaLaw.optimalAllocation(p, compute: c).n
            for f in [-1.0, -0.5, 0, 0.5, 1] {
                let nTotal = nOpt * Foundation.exp(f), d = c / (6 * nTotal)
                let nNonEmb = nTotal - embedding
                rows.append(obs([.N: nNonEmb, .D: d, .C: 6 * nNonEmb * d, .budget: c, .loss: ChinchillaLaw.loss(p, n: nTotal, d: d)], run: "\(c)-\(f)"))
            }
        }
        let fit = try IsoFLOPLaw.fit(rows, options: FitOptions())
        #expect(fit.settings["grouped_by_budget_column"] == 1)
        #expect(fit.budgets?.count == 4 && fit.budgets!.allSatisfy { $0.excluded == nil })
        // Without the column, 5% tolerance on the mapped C splits the small budgets apart.
        let noColumn = rows.map { o -> Observation in var o = o; o[.budget] = nil; return o }
        let byC = IsoFLOPLaw.budgetGroups(noColumn, tolerance: 0.05).groups
        #expect(byC.count > 4)
        // The non-embedding convention gives a larger N_opt exponent than the total one.
        #expect(fit.params["a"]! > 0.28 / 0.62)
    }
}
