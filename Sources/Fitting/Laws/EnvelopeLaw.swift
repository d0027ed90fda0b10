import Foundation
import Support

/// Chinchilla approach 1 (Hoffmann et al. 2022, §3.1): the lower envelope of loss against
/// FLOPs over all training curves. At 1500 log-spaced FLOP values (C = 6·N·D_t along each curve)
/// the run with the lowest (linearly interpolated in log C) loss gives N_opt(C) and
/// D_opt = C/(6 N_opt); then N_opt = k_N·C^a and D_opt = k_D·C^b are fitted in log space.
/// Curves are not smoothed beyond that interpolation. FLOP values where the smallest or largest
/// model is on the envelope are left out (the optimum may lie beyond the sizes trained).
public enum EnvelopeLaw {
    public static let gridSize = 1500

    struct Curve { var run: String; var n: Double; var logC: [Double]; var loss: [Double] }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        var byRun: [String: [Observation]] = [:], order: [String] = []
        for o in obs {
            if byRun[o.run] == nil { order.append(o.run) }
            byRun[o.run, default: []].append(o)
        }
        var curves: [Curve] = []
        for run in order {
            let rows = byRun[run]!
            guard let n = rows[0][.N], n > 0 else { throw ScaleLabError.data(path: rows[0].source, reason: "law chinchilla-envelope needs the model size N of each run") }
            let pts = try rows.map { o -> (Double, Double) in
                guard let c = o[.C], c > 0, let l = o[.loss] else {
                    throw ScaleLabError.data(path: o.source, reason: "law chinchilla-envelope needs tokens D (or C) and loss at each logged step")
                }
                return (Foundation.log(c), l)
            }.sorted { $0.0 < $1.0 }
            guard pts.count >= 2 else { continue }
            curves.append(Curve(run: run, n: n, logC: pts.map(\.0), loss: pts.map(\.1)))
        }
        // Validation logged only a few times per run makes a poor envelope: say so, and how to
        // use the training loss instead.
        let pointsPerRun = order.map { byRun[$0]!.count }.sorted()
        let sparse = (pointsPerRun.isEmpty ? 0 : pointsPerRun[pointsPerRun.count / 2]) <= 3
        let hint = sparse ? " (runs have a median of \(pointsPerRun.isEmpty ? 0 : pointsPerRun[pointsPerRun.count / 2]) logged losses: if validation is logged rarely, fit the training loss with --map loss=train_loss)" : ""
        guard Set(curves.map(\.n)).count >= 2 else {
            throw ScaleLabError.invalid("law chinchilla-envelope needs training curves (2+ logged points) of 2 or more model sizes; got \(curves.count) curves of \(Set(curves.map(\.n)).count) size(s)" + hint)
        }
        let sizes = Set(curves.map(\.n)).sorted()
        guard sizes.count >= 3 else {
            throw ScaleLabError.invalid("law chinchilla-envelope needs training curves of 3 or more model sizes (the smallest and largest cannot show an interior optimum); got \(sizes.count)")
        }
        let smallest = sizes.first!, largest = sizes.last!
        let lo = curves.map { $0.logC.first! }.min()!, hi = curves.map { $0.logC.last! }.max()!
        var cs: [Double] = [], ns: [Double] = [], losses: [Double] = []
        var boundary = 0
        for k in 0..<gridSize {
            let lc = lo + (hi - lo) * Double(k) / Double(gridSize - 1)
            var best = Double.infinity, bestN = 0.0
            for c in curves {
                guard let l = interpolate(c, lc), l < best else { continue }
                best = l; bestN = c.n
            }
            guard best.isFinite else { continue }
            // Where the smallest or largest model wins, the optimum may lie outside the sizes
            // trained (at the ends of the FLOP range only they have curves): leave those out.
            if bestN == smallest || bestN == largest { boundary += 1; continue }
            cs.append(Foundation.exp(lc)); ns.append(bestN); losses.append(best)
        }
        guard Set(ns).count >= 2, let nLaw = PowerLaw(x: cs, y: ns), let dLaw = PowerLaw(x: cs, y: zip(cs, ns).map { $0 / (6 * $1) }) else {
            throw ScaleLabError.invalid("law chinchilla-envelope: the lower envelope has fewer than 2 interior model sizes (excluding the smallest and largest); it needs curves of more sizes that cross" + hint)
        }
        let predicted = cs.map { nLaw($0) }
        let stride = max(1, cs.count / 100)
        let interior = Set(ns).count
        var d = FitDiagnostics()
        d.verdict = !(nLaw.exponent > 0 && nLaw.exponent < 1) ? Verdict(level: .notALaw, reason: "N_opt exponent a = \(fmt(nLaw.exponent)) outside (0, 1)")
            : sparse ? Verdict(level: .weaklyDetermined, reason: "curves of 3 or fewer logged losses: the envelope is drawn between few points" + hint)
            : interior < 3 ? Verdict(level: .weaklyDetermined, reason: "only \(interior) model sizes ever win the envelope inside the range; the exponent rests on the FLOP values where they switch")
            : boundary * 2 > gridSize ? Verdict(level: .weaklyDetermined, reason: "\(boundary) of \(gridSize) FLOP values are won by the smallest or largest model and were dropped")
            : Verdict(level: .trustworthy, reason: "\(interior) model sizes on the envelope")
        var fit = LawFit(law: .chinchillaEnvelope, params: ["a": nLaw.exponent, "b": dLaw.exponent, "k_N": nLaw.k, "k_D": dLaw.k],
                      nPoints: cs.count, goodness: .of(observed: ns, predicted: predicted, objective: .nan),
                      residuals: Swift.stride(from: 0, to: cs.count, by: stride).map { Residual(run: "C=\(String(format: "%.4g", cs[$0]))", observed: ns[$0], predicted: predicted[$0]) },
                      settings: ["grid_points": Double(gridSize), "curves": Double(curves.count), "boundary_points_dropped": Double(boundary)],
                      notes: ["envelope over \(gridSize) log-spaced FLOP values, without points won by the smallest or largest model; goodness and residuals (every \(stride)th point) are of N_opt on the envelope"])
        fit.diagnostics = d
        fit.range = FittedRange(["C": cs])
        return fit
    }

    /// Loss of a curve at log C by linear interpolation; nil outside the curve's range.
    static func interpolate(_ c: Curve, _ x: Double) -> Double? {
        guard x >= c.logC.first!, x <= c.logC.last! else { return nil }
        var lo = 0, hi = c.logC.count - 1
        while hi - lo > 1 { let mid = (lo + hi) / 2; if c.logC[mid] <= x { lo = mid } else { hi = mid } }
        let w = c.logC[hi] == c.logC[lo] ? 0 : (x - c.logC[lo]) / (c.logC[hi] - c.logC[lo])
        return c.loss[lo] + w * (c.loss[hi] - c.loss[lo])
    }
}
