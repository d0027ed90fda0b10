/// Stopping rules and line-search constants of `LBFGS`.
public struct LBFGSOptions: Sendable, Equatable {
    /// Number of (s, y) correction pairs kept.
    public var memory: Int = 10
    /// Converged when ‖∇f‖∞ ≤ gradientTolerance.
    public var gradientTolerance: Double = 1e-12
    /// Converged when an iteration lowers f by at most functionTolerance·|f| (relative, with no
    /// floor of 1 as in L-BFGS-B's `factr`: our objectives are often ~1e-3 and a floor would stop
    /// them far too early — the artefact Besiroglu et al. 2024 found in Hoffmann et al.'s fit).
    public var functionTolerance: Double = 1e-14
    public var maxIterations: Int = 2000
    /// Strong Wolfe constants: sufficient decrease c1 and curvature c2 (Nocedal & Wright §3.1).
    public var c1: Double = 1e-4
    public var c2: Double = 0.9
    public var maxLineSearchEvaluations: Int = 40

    public init() {}

    /// Tight tolerances for multi-start and bootstrap refits.
    public static let tight = LBFGSOptions()
}

/// Why a minimisation stopped.
public enum StopReason: String, Sendable, Codable {
    case gradientTolerance, functionTolerance, maxIterations, lineSearchFailed, nonFiniteStart
}

public struct MinimizationResult: Sendable {
    public var x: [Double]
    public var value: Double
    public var iterations: Int
    public var evaluations: Int
    public var stop: StopReason
}

/// Scratch memory for one minimisation at a time, reused across starts so a multi-start run
/// allocates once per worker, not once per start or evaluation.
public final class LBFGSWorkspace {
    let n: Int, m: Int
    let x, g, p, xTrial, gTrial, xLo, gLo, q: UnsafeMutablePointer<Double>
    let s, y: UnsafeMutablePointer<Double>  // m × n, circular
    let rho, alpha: UnsafeMutablePointer<Double>

    public init(dimension n: Int, memory m: Int) {
        self.n = n; self.m = m
        func buf(_ c: Int) -> UnsafeMutablePointer<Double> {
            let b = UnsafeMutablePointer<Double>.allocate(capacity: max(c, 1)); b.initialize(repeating: 0, count: max(c, 1)); return b
        }
        x = buf(n); g = buf(n); p = buf(n); xTrial = buf(n); gTrial = buf(n); xLo = buf(n); gLo = buf(n); q = buf(n)
        s = buf(m * n); y = buf(m * n); rho = buf(m); alpha = buf(m)
    }

    deinit {
        for b in [x, g, p, xTrial, gTrial, xLo, gLo, q, s, y, rho, alpha] { b.deallocate() }
    }
}

/// Limited-memory BFGS (Nocedal & Wright 2006, Alg. 7.4/7.5) with a line search satisfying the
/// strong Wolfe conditions (Alg. 3.5/3.6, safeguarded cubic interpolation). Unconstrained:
/// positive parameters are fitted as logarithms by the caller.
public enum LBFGS {
    public static func minimize<O: DifferentiableObjective>(
        _ objective: O, from start: [Double], options: LBFGSOptions = .tight
    ) -> MinimizationResult {
        let ws = LBFGSWorkspace(dimension: objective.dimension, memory: options.memory)
        return start.withUnsafeBufferPointer { minimize(objective, from: $0.baseAddress!, options: options, workspace: ws) }
    }

    public static func minimize<O: DifferentiableObjective>(
        _ objective: O, from start: UnsafePointer<Double>, options: LBFGSOptions, workspace ws: LBFGSWorkspace
    ) -> MinimizationResult {
        let n = ws.n, m = ws.m
        let x = ws.x, g = ws.g, p = ws.p
        x.update(from: start, count: n)
        var f = objective.value(at: x, gradient: g)
        var evaluations = 1
        func result(_ stop: StopReason, _ it: Int) -> MinimizationResult {
            MinimizationResult(x: Array(UnsafeBufferPointer(start: x, count: n)), value: f, iterations: it, evaluations: evaluations, stop: stop)
        }
        guard f.isFinite, allFinite(g, n) else { return result(.nonFiniteStart, 0) }
        var stored = 0, head = 0  // number of pairs and index of the next slot
        var iteration = 0
        while iteration < options.maxIterations {
            if infNorm(g, n) <= options.gradientTolerance { return result(.gradientTolerance, iteration) }
            // Two-loop recursion: p = −H g.
            for i in 0..<n { ws.q[i] = g[i] }
            var k = stored
            var slot = head
            while k > 0 {
                slot = (slot - 1 + m) % m
                let si = ws.s + slot * n, yi = ws.y + slot * n
                let a = ws.rho[slot] * dot(si, ws.q, n)
                ws.alpha[slot] = a
                for i in 0..<n { ws.q[i] -= a * yi[i] }
                k -= 1
            }
            var gamma = 1.0
            if stored > 0 {
                let last = (head - 1 + m) % m
                let sl = ws.s + last * n, yl = ws.y + last * n
                gamma = dot(sl, yl, n) / dot(yl, yl, n)
            }
            for i in 0..<n { ws.q[i] *= gamma }
            k = 0
            slot = (head - stored + m) % m
            while k < stored {
                let si = ws.s + slot * n, yi = ws.y + slot * n
                let b = ws.rho[slot] * dot(yi, ws.q, n)
                let c = ws.alpha[slot] - b
                for i in 0..<n { ws.q[i] += c * si[i] }
                slot = (slot + 1) % m
                k += 1
            }
            for i in 0..<n { p[i] = -ws.q[i] }
            var slope = dot(g, p, n)
            if !(slope < 0) {  // not a descent direction: restart from steepest descent
                stored = 0
                for i in 0..<n { p[i] = -g[i] }
                slope = dot(g, p, n)
            }
            let initialStep = stored == 0 ? min(1.0, 1.0 / max(norm2(g, n), 1e-300)) : 1.0
            let search = lineSearch(objective, ws: ws, f0: f, slope0: slope, initialStep: initialStep, options: options)
            evaluations += search.evaluations
            guard let step = search.step else {
                if stored > 0 { stored = 0; iteration += 1; continue }  // retry along −g once
                return result(.lineSearchFailed, iteration)
            }
            // Accepted point is in xLo/gLo with value fNew.
            let fOld = f
            let sNew = ws.s + head * n, yNew = ws.y + head * n
            for i in 0..<n {
                sNew[i] = ws.xLo[i] - x[i]
                yNew[i] = ws.gLo[i] - g[i]
                x[i] = ws.xLo[i]
                g[i] = ws.gLo[i]
            }
            f = search.value
            _ = step
            let sy = dot(sNew, yNew, n)
            if sy > 1e-300 && sy > Double.ulpOfOne * dot(yNew, yNew, n) {
                ws.rho[head] = 1 / sy
                head = (head + 1) % m
                stored = min(stored + 1, m)
            }
            iteration += 1
            if fOld - f <= options.functionTolerance * max(abs(fOld), abs(f)) {
                return result(.functionTolerance, iteration)
            }
        }
        return result(.maxIterations, iteration)
    }

    struct LineSearchResult { var step: Double?; var value: Double; var evaluations: Int }

    /// Nocedal & Wright Alg. 3.5: bracket a step meeting the strong Wolfe conditions, then zoom.
    /// On success the accepted point and gradient are left in `ws.xLo`, `ws.gLo`.
    static func lineSearch<O: DifferentiableObjective>(
        _ objective: O, ws: LBFGSWorkspace, f0: Double, slope0: Double, initialStep: Double, options: LBFGSOptions
    ) -> LineSearchResult {
        let n = ws.n
        var evaluations = 0
        // φ(α) at a trial point; gradient lands in gTrial.
        func phi(_ a: Double) -> (Double, Double) {
            for i in 0..<n { ws.xTrial[i] = ws.x[i] + a * ws.p[i] }
            let v = objective.value(at: ws.xTrial, gradient: ws.gTrial)
            evaluations += 1
            guard v.isFinite, allFinite(ws.gTrial, n) else { return (.infinity, .nan) }
            return (v, dot(ws.gTrial, ws.p, n))
        }
        func keepTrialAsLo() {
            for i in 0..<n { ws.xLo[i] = ws.xTrial[i]; ws.gLo[i] = ws.gTrial[i] }
        }
        let c1 = options.c1, c2 = options.c2
        // Alg. 3.6. (aLo, fLo) always satisfies sufficient decrease and has the lowest value seen
        // in the bracket; its point is in xLo/gLo unless it is the start (α = 0).
        func zoom(aLo aLo0: Double, fLo fLo0: Double, dLo dLo0: Double, aHi aHi0: Double, fHi fHi0: Double, dHi dHi0: Double, loIsStart: Bool) -> LineSearchResult {
            var aLo = aLo0, fLo = fLo0, dLo = dLo0, aHi = aHi0, fHi = fHi0, dHi = dHi0
            var loMoved = !loIsStart
            while evaluations < options.maxLineSearchEvaluations {
                let lo = min(aLo, aHi), hi = max(aLo, aHi), width = hi - lo
                if width <= 1e-16 * max(1, hi) { break }
                var aj = cubicMinimizer(aLo, fLo, dLo, aHi, fHi, dHi)
                if !(aj.isFinite) || aj < lo + 0.1 * width || aj > hi - 0.1 * width { aj = 0.5 * (aLo + aHi) }
                let (fj, dj) = phi(aj)
                if fj > f0 + c1 * aj * slope0 || fj >= fLo || !fj.isFinite {
                    aHi = aj; fHi = fj; dHi = dj
                } else {
                    if abs(dj) <= -c2 * slope0 {
                        keepTrialAsLo()
                        return LineSearchResult(step: aj, value: fj, evaluations: evaluations)
                    }
                    if dj * (aHi - aLo) >= 0 { aHi = aLo; fHi = fLo; dHi = dLo }
                    aLo = aj; fLo = fj; dLo = dj
                    keepTrialAsLo(); loMoved = true
                }
            }
            // No Wolfe point found: accept the best sufficient-decrease point if there is one.
            return loMoved && fLo < f0 ? LineSearchResult(step: aLo, value: fLo, evaluations: evaluations)
                                       : LineSearchResult(step: nil, value: f0, evaluations: evaluations)
        }
        var aPrev = 0.0, fPrev = f0, dPrev = slope0
        var a = initialStep
        var loSet = false
        for i in 0..<options.maxLineSearchEvaluations {
            let (fa, da) = phi(a)
            if fa > f0 + c1 * a * slope0 || (i > 0 && fa >= fPrev) || !fa.isFinite {
                return zoom(aLo: aPrev, fLo: fPrev, dLo: dPrev, aHi: a, fHi: fa, dHi: da, loIsStart: !loSet)
            }
            if abs(da) <= -c2 * slope0 {
                keepTrialAsLo()
                return LineSearchResult(step: a, value: fa, evaluations: evaluations)
            }
            keepTrialAsLo(); loSet = true
            if da >= 0 {
                return zoom(aLo: a, fLo: fa, dLo: da, aHi: aPrev, fHi: fPrev, dHi: dPrev, loIsStart: false)
            }
            aPrev = a; fPrev = fa; dPrev = da
            a *= 4
            if evaluations >= options.maxLineSearchEvaluations { break }
        }
        return loSet ? LineSearchResult(step: aPrev, value: fPrev, evaluations: evaluations)
                     : LineSearchResult(step: nil, value: f0, evaluations: evaluations)

    }

    /// Minimiser of the cubic through (a, fa, da) and (b, fb, db) (Nocedal & Wright eq. 3.59);
    /// NaN when it does not exist (caller bisects).
    @inline(__always)
    static func cubicMinimizer(_ a: Double, _ fa: Double, _ da: Double, _ b: Double, _ fb: Double, _ db: Double) -> Double {
        guard fb.isFinite, db.isFinite else { return .nan }
        let d1 = da + db - 3 * (fa - fb) / (a - b)
        let disc = d1 * d1 - da * db
        guard disc >= 0 else { return .nan }
        let sign: Double = b > a ? 1 : -1
        let d2 = sign * disc.squareRoot()
        return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2)
    }

    @inline(__always) static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s = 0.0
        for i in 0..<n { s += a[i] * b[i] }
        return s
    }
    @inline(__always) static func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        dot(UnsafePointer(a), UnsafePointer(b), n)
    }
    @inline(__always) static func norm2(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Double { dot(a, a, n).squareRoot() }
    @inline(__always) static func infNorm(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        var s = 0.0
        for i in 0..<n { s = max(s, abs(a[i])) }
        return s
    }
    @inline(__always) static func allFinite(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
        for i in 0..<n where !a[i].isFinite { return false }
        return true
    }
}
