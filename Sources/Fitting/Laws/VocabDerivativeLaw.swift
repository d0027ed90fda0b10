import Foundation
import Support

/// Vocabulary law, Tao et al. (2024) approach 2 (derivative-based): the FLOPs to process a text
/// of H bytes are 6(N + V·d)·H·f(V), with f(V) the tokens per byte of a tokenizer with
/// vocabulary V, fitted as f(V) = f_a·ln²V + f_b·ln V + f_c. At a fixed amount of text the
/// compute-optimal V solves ∂FLOPs/∂V = 0:
///
///     d·f(V) + (N + V·d)·(2 f_a ln V + f_b)/V = 0
///
/// solved for each model configuration (N non-vocabulary parameters, width d) of the data;
/// N_v,opt = V_opt·d ∝ N^γ is then fitted across sizes (Tao et al.: γ ≈ 0.835). Tokens per
/// byte come from the runs: bits_per_byte · ln 2 / loss (loss in nats per token on the same
/// validation text), so `loss` must be the cross-entropy, not L_u.
public enum VocabDerivativeLaw {
    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        var perV: [Double: [Double]] = [:]
        var configs = Set<[Double]>()
        for o in obs {
            guard let v = o[.V], let w = o[.d], let n = o[.N], let bpb = o[.bpb], let l = o[.loss], v > 1, w > 0, n > 0, bpb > 0, l > 0 else {
                throw ScaleLabError.data(path: o.source, reason: "law vocab-derivative needs V, d, N (non-vocabulary parameters), bits per byte (column bits_per_byte) and the cross-entropy loss for every row")
            }
            perV[v, default: []].append(bpb * Foundation.log(2.0) / l)
            configs.insert([n, w])
        }
        let vs = perV.keys.sorted()
        guard vs.count >= 3 else { throw ScaleLabError.invalid("law vocab-derivative fits tokens per byte f(V) = a ln^2 V + b ln V + c: needs 3 or more vocabulary sizes; got \(vs.count)") }
        let f = vs.map { v in perV[v]!.reduce(0, +) / Double(perV[v]!.count) }
        guard let q = DenseSolve.leastSquares(vs.flatMap { let l = Foundation.log($0); return [l * l, l, 1] }, f, rows: vs.count, columns: 3) else {
            throw ScaleLabError.invalid("law vocab-derivative: the fit of f(V) is singular")
        }
        var params = ["f_a": q[0], "f_b": q[1], "f_c": q[2]]
        var sizes: [Double] = [], nvOpt: [Double] = [], notes: [String] = []
        for c in configs.sorted(by: { $0[0] < $1[0] }) {
            if let v = optimalVocabulary(params, nonVocabParams: c[0], width: c[1]) { sizes.append(c[0]); nvOpt.append(v * c[1]) }
            else { notes.append("N=\(fmt(c[0])), d=\(fmt(c[1])): dFLOPs/dV has no zero for V in [4, 1e8] under the fitted f(V)") }
        }
        if Set(sizes).count >= 2, let law = PowerLaw(x: sizes, y: nvOpt) { params["gamma"] = law.exponent; params["k"] = law.k }
        let fPred = vs.map { v in let l = Foundation.log(v); return q[0] * l * l + q[1] * l + q[2] }
        var fit = LawFit(law: .vocabDerivative, params: params, nPoints: obs.count,
                         goodness: .of(observed: f, predicted: fPred, objective: .nan),
                         residuals: zip(vs, fPred).enumerated().map { Residual(run: "f(V=\(fmt($0.element.0)))", observed: f[$0.offset], predicted: $0.element.1) },
                         settings: ["vocabulary_sizes": Double(vs.count), "configurations": Double(configs.count)],
                         notes: ["f(V) = f_a ln^2 V + f_b ln V + f_c tokens per byte (bits_per_byte * ln 2 / loss); V_opt solves d f(V) + (N + V d)(2 f_a ln V + f_b)/V = 0; Nv_opt = k N^gamma; goodness and residuals are of f(V)"]
                            + zip(sizes, nvOpt).map { "N=\(fmt($0.0)): Nv_opt \(fmt($0.1))" } + notes)
        var d = FitDiagnostics()
        d.verdict = params["gamma"] == nil ? Verdict(level: .notIdentified, reason: "V_opt found for \(sizes.count) model size(s); gamma needs 2 or more")
            : vs.count == 3 ? Verdict(level: .weaklyDetermined, reason: "f(V) has 3 parameters and 3 vocabulary sizes")
            : Verdict(level: .trustworthy, reason: "f(V) from \(vs.count) vocabulary sizes, V_opt at \(sizes.count) model sizes")
        fit.diagnostics = d
        fit.range = FittedRange(["V": vs, "N": configs.map { $0[0] }])
        return fit
    }

    /// The V where dFLOPs/dV changes sign from negative to positive, by bisection on ln V.
    public static func optimalVocabulary(_ p: [String: Double], nonVocabParams n: Double, width d: Double) -> Double? {
        guard let a = p["f_a"], let b = p["f_b"], let c = p["f_c"] else { return nil }
        func g(_ lv: Double) -> Double {
            let v = Foundation.exp(lv)
            return d * (a * lv * lv + b * lv + c) + (n + v * d) * (2 * a * lv + b) / v
        }
        let grid = stride(from: Foundation.log(4.0), through: Foundation.log(1e8), by: 0.05).map { $0 }
        for k in 1..<grid.count where g(grid[k - 1]) < 0 && g(grid[k]) >= 0 {
            var lo = grid[k - 1], hi = grid[k]
            for _ in 0..<100 { let mid = (lo + hi) / 2; if g(mid) < 0 { lo = mid } else { hi = mid } }
            return Foundation.exp((lo + hi) / 2)
        }
        return nil
    }
}
