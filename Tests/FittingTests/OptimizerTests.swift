import Foundation
import Testing
import Support
@testable import Fitting

/// Rosenbrock's banana, minimum 0 at (1, …, 1): the classic hard case for a line search.
struct Rosenbrock: DifferentiableObjective {
    let dimension: Int
    func value(at x: UnsafePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> Double {
        var f = 0.0
        for i in 0..<dimension { g[i] = 0 }
        for i in 0..<(dimension - 1) {
            let a = x[i + 1] - x[i] * x[i], b = 1 - x[i]
            f += 100 * a * a + b * b
            g[i] += -400 * x[i] * a - 2 * b
            g[i + 1] += 200 * a
        }
        return f
    }
}

@Suite struct OptimizerTests {
    @Test func lbfgsSolvesRosenbrockFromManyStarts() {
        var rng = SeededRandom(seed: 7)
        for dim in [2, 5, 10] {
            for _ in 0..<10 {
                let start = (0..<dim).map { _ in rng.uniform(-2, 2) }
                let r = LBFGS.minimize(Rosenbrock(dimension: dim), from: start)
                // Rosenbrock has a second local minimum near x0 = −1 for dim ≥ 4.
                let atGlobal = r.x.allSatisfy { abs($0 - 1) < 1e-5 }
                let atLocal = dim >= 4 && abs(r.x[0] + 1) < 0.1
                #expect(atGlobal || atLocal, "dim \(dim) start \(start) → \(r.x) f=\(r.value) \(r.stop)")
                if atGlobal { #expect(r.value < 1e-10) }
            }
        }
    }

    @Test func lineSearchStepsSatisfyStrongWolfe() {
        let obj = Rosenbrock(dimension: 2)
        let ws = LBFGSWorkspace(dimension: 2, memory: 5)
        let opts = LBFGSOptions()
        var x = [-1.2, 1.0], g = [0.0, 0.0]
        let f0 = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { obj.value(at: xp.baseAddress!, gradient: $0.baseAddress!) } }
        for i in 0..<2 { ws.x[i] = x[i]; ws.p[i] = -g[i] }
        let slope = -(g[0] * g[0] + g[1] * g[1])
        let r = LBFGS.lineSearch(obj, ws: ws, f0: f0, slope0: slope, initialStep: 1, options: opts)
        let step = try! #require(r.step)
        for i in 0..<2 { x[i] = ws.xLo[i] }
        var g1 = [0.0, 0.0]
        let f1 = x.withUnsafeBufferPointer { xp in g1.withUnsafeMutableBufferPointer { obj.value(at: xp.baseAddress!, gradient: $0.baseAddress!) } }
        #expect(f1 <= f0 + opts.c1 * step * slope)
        #expect(abs(g1[0] * -g[0] + g1[1] * -g[1]) <= -opts.c2 * slope)
    }

    @Test func simdExpAndLogMatchLibm() {
        var rng = SeededRandom(seed: 3)
        var worstExp = 0.0, worstLog = 0.0
        for _ in 0..<20_000 {
            let xs = SIMD8<Double>(rng.uniform(-700, 0), rng.uniform(-5, 0), rng.uniform(-40, 0), rng.uniform(-1e-3, 0),
                                   rng.uniform(-1, 0), rng.uniform(-0.35, 0), rng.uniform(-708, -700), 0)
            let e = SIMDMath.expNonPositive(xs)
            let ys = SIMD8<Double>(rng.uniform(1, 3), rng.uniform(1, 1.5), rng.uniform(1.4, 1.43), rng.uniform(1, 1.001),
                                   rng.uniform(2.9, 3), rng.uniform(1.5, 2.5), 1, 3)
            let l = SIMDMath.logOneToThree(ys)
            for k in 0..<8 {
                worstExp = max(worstExp, relErr(e[k], Foundation.exp(xs[k])))
                worstLog = max(worstLog, abs(l[k] - Foundation.log(ys[k])) / max(abs(Foundation.log(ys[k])), 1e-3))
            }
        }
        #expect(worstExp < 1e-14, "exp worst relative error \(worstExp)")
        #expect(worstLog < 1e-14, "log worst error \(worstLog)")
    }

    /// The SIMD objective against the formula written out plainly, and its gradient against
    /// central differences.
    @Test func chinchillaObjectiveValueAndGradient() {
        var rng = SeededRandom(seed: 11)
        let n = 37  // not a multiple of 4: exercises the padding
        let lN = (0..<n).map { _ in rng.uniform(17, 23) }, lD = (0..<n).map { _ in rng.uniform(20, 27) }
        let lL = (0..<n).map { _ in rng.uniform(0.6, 1.4) }, w = (0..<n).map { _ in Double(Int(rng.next() % 3)) }
        let obj = ChinchillaObjective(logN: PointBuffer(lN), logD: PointBuffer(lD), logL: PointBuffer(lL), weights: PointBuffer(w), delta: 1e-3)
        func plain(_ t: [Double]) -> Double {
            var f = 0.0
            for i in 0..<n {
                let u = [t[0] - t[3] * lN[i], t[1] - t[4] * lD[i], t[2]]
                let m = u.max()!
                let r = m + Foundation.log(u.map { Foundation.exp($0 - m) }.reduce(0, +)) - lL[i]
                f += w[i] * huber(r, delta: 1e-3)
            }
            return f
        }
        for _ in 0..<20 {
            let t = [rng.uniform(0, 8), rng.uniform(0, 9), rng.uniform(-1, 1), rng.uniform(0.1, 0.6), rng.uniform(0.1, 0.6)]
            var g = [Double](repeating: 0, count: 5)
            let f = t.withUnsafeBufferPointer { tp in g.withUnsafeMutableBufferPointer { obj.value(at: tp.baseAddress!, gradient: $0.baseAddress!) } }
            #expect(relErr(f, plain(t)) < 1e-12)
            for j in 0..<5 {
                let h = 1e-6
                var tp = t, tm = t
                tp[j] += h; tm[j] -= h
                let fd = (plain(tp) - plain(tm)) / (2 * h)
                #expect(abs(fd - g[j]) <= 1e-6 * max(1, abs(g[j])) + 1e-9, "component \(j): fd \(fd) analytic \(g[j])")
            }
        }
    }

    /// Same result bit for bit with 1 and with 3 workers: the reduction is by start index.
    @Test func multiStartIsDeterministicAcrossWorkerCounts() {
        var rng = SeededRandom(seed: 5)
        let starts = (0..<60).flatMap { _ in (0..<4).map { _ in rng.uniform(-2, 2) } }
        let one = MultiStart.minimize(Rosenbrock(dimension: 4), starts: starts, workers: 1)!
        let three = MultiStart.minimize(Rosenbrock(dimension: 4), starts: starts, workers: 3)!
        #expect(one.best.x == three.best.x && one.best.value == three.best.value && one.bestStartIndex == three.bestStartIndex)
        #expect(one.best.value < 1e-12)
    }

    @Test func levenbergMarquardtFitsAnExactPowerLaw() throws {
        let logX = (0..<10).map { 18 + Double($0) }
        let truth = (c: 31.0, alpha: 0.08)
        let logL = logX.map { truth.alpha * (truth.c - $0) }
        let r = LevenbergMarquardt.minimize(KaplanLaw.Model(logX: logX, logL: logL, irreducible: false), from: [20, 0.5])
        #expect(abs(r.x[0] - truth.c) < 1e-8 && abs(r.x[1] - truth.alpha) < 1e-10)
    }

    @Test func bootstrapPercentilesAndWeights() {
        #expect(Bootstrap.percentile([1, 2, 3, 4, 5], 0.5) == 3)
        #expect(abs(Bootstrap.percentile([0, 10], 0.025) - 0.25) < 1e-12)
        let w = Bootstrap.weights(runOfPoint: [0, 0, 1, 2, 2, 2], runCount: 3, resamples: 50, seed: 1)
        for r in w {
            #expect(r[0] == r[1] && r[3] == r[4] && r[4] == r[5])  // points of a run move together
            #expect(r[0] + r[2] + r[3] == 3)  // three runs drawn per resample
        }
        #expect(w == Bootstrap.weights(runOfPoint: [0, 0, 1, 2, 2, 2], runCount: 3, resamples: 50, seed: 1))
    }
}
