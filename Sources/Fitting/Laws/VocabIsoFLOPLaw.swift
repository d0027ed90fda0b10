import Foundation
import Support

/// Vocabulary law, Tao et al. (2024) approach 1 (IsoFLOPs over the vocabulary): runs are grouped
/// into compute budgets (the `budget` column when present, else C), and in each budget a
/// parabola of the unigram-normalised loss L_u (the `Lu` column, `unigram_normalized_loss`;
/// the plain loss when absent) in ln N_v, N_v = V·d, is fitted around the best vocabulary.
/// Its vertex is N_v,opt(C); then N_v,opt = k·C^γ is fitted in log space, and where the budgets
/// use different non-vocabulary sizes N, also N_v,opt ∝ N^γ_N (Tao et al.: γ_N ≈ 0.83).
/// L_u makes runs with different vocabularies comparable; plain cross-entropy per token does
/// not (a larger V packs more text into a token).
public enum VocabIsoFLOPLaw {
    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        for o in obs {
            guard o[.Nv] != nil, let c = o[.C], c > 0, o[.Lu] != nil || o[.loss] != nil else {
                throw ScaleLabError.data(path: o.source, reason: "law vocab-isoflop needs V and d (or Nv), C (or N and D) and the unigram-normalised loss (column unigram_normalized_loss, or --map Lu=COLUMN) for every row")
            }
        }
        let unigram = obs.allSatisfy { $0[.Lu] != nil }
        let lossOf: (Observation) -> Double = { unigram ? $0[.Lu]! : $0[.loss]! }
        let (groups, byColumn) = IsoFLOPLaw.budgetGroups(obs, tolerance: options.isoFLOPBudgetTolerance)
        var budgets: [IsoFLOPBudget] = []
        var cs: [Double] = [], nv: [Double] = [], nonVocab: [Double] = []
        for g in groups {
            let b = IsoFLOPLaw.budget(g, window: options.isoFLOPWindow, size: .Nv, loss: lossOf)
            budgets.append(b)
            guard b.excluded == nil, let v = b.nOpt else { continue }
            cs.append(b.compute); nv.append(v)
            let ns = Set(g.compactMap { $0[.N] })
            nonVocab.append(ns.count == 1 ? ns.first! : .nan)
        }
        guard cs.count >= 2, let law = PowerLaw(x: cs, y: nv) else {
            throw ScaleLabError.invalid("law vocab-isoflop needs 2 or more budgets with an interior optimum over the vocabulary; usable: \(cs.count) of \(budgets.count) (\(budgets.compactMap { b in b.excluded.map { "C=\(fmt(b.compute)): \($0)" } }.joined(separator: "; ")))")
        }
        var params = ["gamma": law.exponent, "k": law.k]
        if nonVocab.allSatisfy(\.isFinite), Set(nonVocab).count >= 2, let byN = PowerLaw(x: nonVocab, y: nv) {
            params["gamma_N"] = byN.exponent; params["k_N"] = byN.k
        }
        let predicted = cs.map { law($0) }
        var fit = LawFit(law: .vocabIsoFLOP, params: params, nPoints: obs.count,
                         goodness: .of(observed: nv, predicted: predicted, objective: .nan),
                         residuals: zip(cs, predicted).enumerated().map { Residual(run: "C=\(fmt($0.element.0))", observed: nv[$0.offset], predicted: $0.element.1) },
                         settings: ["budgets_used": Double(cs.count), "window": Double(options.isoFLOPWindow), "grouped_by_budget_column": byColumn ? 1 : 0,
                                    "unigram_normalized": unigram ? 1 : 0],
                         notes: ["Nv_opt = k C^gamma (and Nv_opt = k_N N^gamma_N when budgets differ in N); budgets' N_opt is N_v,opt = V_opt*d",
                                 unigram ? "loss: unigram-normalised (Lu)" : "loss: plain cross-entropy per token (no Lu column): runs with different vocabularies are not comparable; map Lu=unigram_normalized_loss"])
        fit.budgets = budgets
        var d = FitDiagnostics()
        d.verdict = !unigram ? Verdict(level: .weaklyDetermined, reason: "fitted on per-token cross-entropy, which favours large vocabularies by construction")
            : cs.count == 2 ? Verdict(level: .weaklyDetermined, reason: "only 2 of \(budgets.count) budgets have an interior optimum")
            : law.exponent <= 0 ? Verdict(level: .notALaw, reason: "the optimal vocabulary does not grow with compute (gamma = \(fmt(law.exponent)))")
            : Verdict(level: .trustworthy, reason: "\(cs.count) of \(budgets.count) budgets with interior optima")
        fit.diagnostics = d
        fit.range = FittedRange(["C": cs])
        return fit
    }
}
