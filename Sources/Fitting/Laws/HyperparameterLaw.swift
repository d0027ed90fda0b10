import Foundation
import Support

/// Hyper-parameter scaling laws of Li et al. (2025, "Predictable Scale", Step Law):
///
///     η_opt(N, D) = c_η · N^a · D^b        B_opt(D) = c_B · D^c
///
/// (published: η = 1.79 N^−0.713 D^0.307, B = 0.58 D^0.571 with B in tokens). From LR × batch
/// sweeps: runs are grouped by (N, D); in each group the best (lr, batch) is the lowest loss,
/// refined by the vertex of a parabola in ln lr (at the best batch) and in ln batch (at the
/// best lr) through the best point and its two neighbours on the grid. A group whose best lr or
/// batch is at the edge of its grid is left out of that law (the optimum may lie beyond it).
/// Both laws are then fitted by least squares in log space.
public enum HyperparameterLaw {
    public static let parameterNames = ["lr_coefficient", "lr_exponent_N", "lr_exponent_D", "batch_coefficient", "batch_exponent_D"]

    struct GroupOptimum { var n, d: Double; var lr, batch: Double?; var lrNote, batchNote: String? }

    public static func fit(_ obs: [Observation], options: FitOptions) throws -> LawFit {
        for o in obs where o[.N] == nil || o[.D] == nil || o[.lr] == nil || o[.batch] == nil || o[.loss] == nil {
            throw ScaleLabError.data(path: o.source, reason: "law hyperparams needs N, D, lr, batch (batch_size) and loss for every row; this row lacks \([Quantity.N, .D, .lr, .batch, .loss].filter { o[$0] == nil }.map(\.rawValue).joined(separator: ", "))")
        }
        for o in obs where !(o[.N]! > 0 && o[.D]! > 0 && o[.lr]! > 0 && o[.batch]! > 0 && o[.loss]!.isFinite) {
            throw ScaleLabError.data(path: o.source, reason: "N, D, lr and batch must be positive and loss finite")
        }
        var groups: [[Observation]] = []
        var index: [[Double]: Int] = [:]
        for o in obs {
            let key = [o[.N]!, o[.D]!].map { Foundation.log($0).rounded(toPlaces: 6) }
            if let k = index[key] { groups[k].append(o) } else { index[key] = groups.count; groups.append([o]) }
        }
        let optima = groups.map(optimum)
        let lrOK = optima.filter { $0.lr != nil }, bOK = optima.filter { $0.batch != nil }
        guard lrOK.count >= 3, Set(lrOK.map(\.n)).count >= 2, Set(lrOK.map(\.d)).count >= 2 else {
            throw ScaleLabError.invalid("law hyperparams needs 3 or more (N, D) groups, at 2+ model sizes and 2+ token counts, whose best learning rate is inside their lr grid; usable: \(lrOK.count) of \(optima.count) (\(optima.compactMap(\.lrNote).prefix(4).joined(separator: "; ")))")
        }
        guard let lrCoef = DenseSolve.leastSquares(lrOK.flatMap { [1, Foundation.log($0.n), Foundation.log($0.d)] }, lrOK.map { Foundation.log($0.lr!) }, rows: lrOK.count, columns: 3) else {
            throw ScaleLabError.invalid("law hyperparams: N and D are collinear across the groups; vary them independently")
        }
        var params = ["lr_coefficient": Foundation.exp(lrCoef[0]), "lr_exponent_N": lrCoef[1], "lr_exponent_D": lrCoef[2]]
        var notes = ["lr_opt = c N^a D^b, batch_opt = c_B D^c fitted in log space to each (N, D) group's best lr and batch (grid optimum refined by a 3-point parabola in log space)"]
        if bOK.count >= 2, Set(bOK.map(\.d)).count >= 2, let law = PowerLaw(x: bOK.map(\.d), y: bOK.map { $0.batch! }) {
            params["batch_coefficient"] = law.k; params["batch_exponent_D"] = law.exponent
        } else {
            notes.append("batch law not fitted: fewer than 2 token counts with an interior best batch")
        }
        for o in optima { for n in [o.lrNote, o.batchNote].compactMap({ $0 }) { notes.append("N=\(fmt(o.n)), D=\(fmt(o.d)): \(n)") } }
        let predictedLR = lrOK.map { learningRate(params, n: $0.n, d: $0.d) }
        var fit = LawFit(law: .hyperparams, params: params, nPoints: obs.count,
                         goodness: .of(observed: lrOK.map { $0.lr! }, predicted: predictedLR, objective: .nan),
                         residuals: zip(lrOK, predictedLR).map { Residual(run: "lr N=\(fmt($0.n)) D=\(fmt($0.d))", observed: $0.lr!, predicted: $1) }
                            + bOK.map { Residual(run: "batch N=\(fmt($0.n)) D=\(fmt($0.d))", observed: $0.batch!, predicted: batchSize(params, d: $0.d)) },
                         settings: ["groups": Double(optima.count), "lr_groups_used": Double(lrOK.count), "batch_groups_used": Double(bOK.count)],
                         notes: notes)
        var d = FitDiagnostics()
        let a = (params["lr_exponent_N"] ?? .nan)
        d.verdict = lrOK.count <= 3 ? Verdict(level: .weaklyDetermined, reason: "3 parameters of the lr law from \(lrOK.count) groups")
            : lrOK.count * 2 < optima.count ? Verdict(level: .weaklyDetermined, reason: "\(optima.count - lrOK.count) of \(optima.count) groups have their best lr at the edge of the grid")
            : Verdict(level: .trustworthy, reason: "lr law from \(lrOK.count) groups; goodness is of lr_opt (rmse_log \(fmt(fit.goodness.rmseLog)))")
        if a > 0 { d.verdict = Verdict(level: .weaklyDetermined, reason: "the optimal lr grows with N (exponent \(fmt(a))), unlike every published law") }
        fit.diagnostics = d
        fit.range = FittedRange(["N": optima.map(\.n), "D": optima.map(\.d)])
        return fit
    }

    /// A group's best lr and batch, refined along each axis where the best has a neighbour on both sides.
    static func optimum(_ g: [Observation]) -> GroupOptimum {
        let best = g.min { $0[.loss]! < $1[.loss]! }!
        var out = GroupOptimum(n: best[.N]!, d: best[.D]!, lr: nil, batch: nil, lrNote: nil, batchNote: nil)
        func refine(_ axis: Quantity, fixed: Quantity) -> (Double?, String?) {
            let line = g.filter { $0[fixed]! == best[fixed]! }
            var bySize: [Double: Double] = [:]
            for o in line { bySize[o[axis]!] = min(bySize[o[axis]!] ?? .infinity, o[.loss]!) }
            let xs = bySize.keys.sorted()
            guard let k = xs.firstIndex(of: best[axis]!) else { return (nil, "best run missing from its line") }
            let name = axis == .lr ? "lr" : "batch"
            if xs.count < 3 { return (nil, "\(xs.count) \(name) values at the best \(fixed == .lr ? "lr" : "batch"); 3 or more needed") }
            if k == 0 || k == xs.count - 1 { return (nil, "best \(name) \(fmt(xs[k])) at the \(k == 0 ? "low" : "high") edge of the grid") }
            let x = [xs[k - 1], xs[k], xs[k + 1]].map { Foundation.log($0) }, y = [bySize[xs[k - 1]]!, bySize[xs[k]]!, bySize[xs[k + 1]]!]
            // Vertex of the parabola through three points.
            let d1 = (y[1] - y[0]) / (x[1] - x[0]), d2 = (y[2] - y[1]) / (x[2] - x[1])
            let curvature = (d2 - d1) / (x[2] - x[0])
            guard curvature > 0 else { return (xs[k], nil) }
            let v = (x[0] + x[1]) / 2 - d1 / (2 * curvature)
            return (Foundation.exp(min(max(v, x[0]), x[2])), nil)
        }
        (out.lr, out.lrNote) = refine(.lr, fixed: .batch)
        (out.batch, out.batchNote) = refine(.batch, fixed: .lr)
        return out
    }

    public static func learningRate(_ p: [String: Double], n: Double, d: Double) -> Double {
        guard let c = p["lr_coefficient"], let a = p["lr_exponent_N"], let b = p["lr_exponent_D"] else { return .nan }
        return c * Foundation.pow(n, a) * Foundation.pow(d, b)
    }

    public static func batchSize(_ p: [String: Double], d: Double) -> Double {
        guard let c = p["batch_coefficient"], let e = p["batch_exponent_D"] else { return .nan }
        return c * Foundation.pow(d, e)
    }
}

extension Double {
    func rounded(toPlaces k: Int) -> Double {
        let f = Foundation.pow(10.0, Double(k))
        return (self * f).rounded() / f
    }
}
