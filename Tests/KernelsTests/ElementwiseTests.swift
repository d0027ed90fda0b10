import Foundation
import Kernels
import Testing

@Suite struct ElementwiseTests {
    @Test func expMatchesLibm() {
        var worst: Float = 0
        for i in 0..<20_000 {
            let x = -87 + Float(i) * (175.0 / 20_000)
            let rel = abs(exp1(x) - Foundation.exp(x)) / Foundation.exp(x)
            worst = max(worst, rel)
        }
        #expect(worst < 5e-7, "exp max relative error \(worst)")
        #expect(exp1(-200) < 1e-37)
    }

    @Test func geluMatchesTanhFormulaAndGradient() {
        let n = 37
        var x = randomArray(n, seed: 1, scale: 4)
        var y = [Float](repeating: 0, count: n)
        y.ptr { yp in x.ptr { xp in geluForward(yp, xp, count: n, parallel: .serial) } }
        for i in 0..<n {
            let v = Double(x[i])
            let ref = 0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            #expect(abs(Double(y[i]) - ref) < 1e-5, "gelu(\(v)) = \(y[i]), expected \(ref)")
        }
        var g = randomArray(n, seed: 2), dx = [Float](repeating: 0, count: n)
        dx.ptr { d in g.ptr { gp in x.ptr { xp in geluBackward(dx: d, dout: gp, x: xp, count: n, parallel: .serial) } } }
        expectGradient("gelu", x, analytic: dx, h: 1e-3) { xs in
            var xs = xs, out = [Float](repeating: 0, count: n)
            out.ptr { o in xs.ptr { geluForward(o, $0, count: n, parallel: .serial) } }
            return dot(out, g)
        }
    }

    @Test func swigluGradient() {
        let rows = 3, h = 11
        var x = randomArray(rows * 2 * h, seed: 3, scale: 3)
        var g = randomArray(rows * h, seed: 4), dx = [Float](repeating: 0, count: rows * 2 * h)
        dx.ptr { d in g.ptr { gp in x.ptr { xp in swigluBackward(dx: d, dout: gp, x: xp, rows: rows, hidden: h, parallel: twoThreads) } } }
        func forward(_ xs: [Float]) -> [Float] {
            var xs = xs, out = [Float](repeating: 0, count: rows * h)
            out.ptr { o in xs.ptr { swigluForward(o, $0, rows: rows, hidden: h, parallel: .serial) } }
            return out
        }
        let y = forward(x)
        let gate = Double(x[0]), up = Double(x[h])
        #expect(abs(Double(y[0]) - gate / (1 + Foundation.exp(-gate)) * up) < 1e-5)
        expectGradient("swiglu", x, analytic: dx, h: 1e-3) { dot(forward($0), g) }
    }

    @Test func layerNormGradient() {
        let rows = 5, c = 19
        let x = randomArray(rows * c, seed: 5, scale: 2), w = randomArray(c, seed: 6), b = randomArray(c, seed: 7)
        let g = randomArray(rows * c, seed: 8)
        func forward(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var x = x, w = w, b = b
            var out = [Float](repeating: 0, count: rows * c), mean = [Float](repeating: 0, count: rows), rstd = mean
            out.ptr { o in mean.ptr { mp in rstd.ptr { rp in x.ptr { xp in w.ptr { wp in b.ptr { bp in
                layerNormForward(o, mean: mp, rstd: rp, xp, weight: wp, bias: bp, rows: rows, channels: c, parallel: .serial) } } } } } }
            return out
        }
        var xs = x, ws = w, bs = b, gs = g
        var out = [Float](repeating: 0, count: rows * c), mean = [Float](repeating: 0, count: rows), rstd = mean
        out.ptr { o in mean.ptr { mp in rstd.ptr { rp in xs.ptr { xp in ws.ptr { wp in bs.ptr { bp in
            layerNormForward(o, mean: mp, rstd: rp, xp, weight: wp, bias: bp, rows: rows, channels: c, parallel: .serial) } } } } } }
        // The normalised row has mean 0 and variance 1 before the affine part.
        let row0 = (0..<c).map { Double((out[$0] - b[$0]) / w[$0]) }
        #expect(abs(row0.reduce(0, +) / Double(c)) < 1e-4)
        var dx = [Float](repeating: 0.25, count: rows * c), dw = [Float](repeating: 0, count: c), db = dw
        dx.ptr { d in dw.ptr { dwp in db.ptr { dbp in gs.ptr { gp in xs.ptr { xp in ws.ptr { wp in mean.ptr { mp in rstd.ptr { rp in
            layerNormBackward(dx: d, dweight: dwp, dbias: dbp, dout: gp, x: xp, weight: wp, mean: mp, rstd: rp,
                              rows: rows, channels: c, parallel: twoThreads) } } } } } } } }
        // dx accumulates onto what was there (0.25): subtract it before comparing.
        let dxOnly = dx.map { $0 - 0.25 }
        expectGradient("layernorm dx", x, analytic: dxOnly) { dot(forward($0, w, b), g) }
        expectGradient("layernorm dw", w, analytic: dw) { dot(forward(x, $0, b), g) }
        expectGradient("layernorm db", b, analytic: db) { dot(forward(x, w, $0), g) }
    }

    @Test func rmsNormGradient() {
        let rows = 4, c = 21
        let x = randomArray(rows * c, seed: 9, scale: 2), w = randomArray(c, seed: 10), g = randomArray(rows * c, seed: 11)
        func forward(_ x: [Float], _ w: [Float]) -> [Float] {
            var x = x, w = w, out = [Float](repeating: 0, count: rows * c), rstd = [Float](repeating: 0, count: rows)
            out.ptr { o in rstd.ptr { rp in x.ptr { xp in w.ptr { wp in
                rmsNormForward(o, rstd: rp, xp, weight: wp, rows: rows, channels: c, parallel: .serial) } } } }
            return out
        }
        var xs = x, ws = w, gs = g
        var out = [Float](repeating: 0, count: rows * c), rstd = [Float](repeating: 0, count: rows)
        out.ptr { o in rstd.ptr { rp in xs.ptr { xp in ws.ptr { wp in
            rmsNormForward(o, rstd: rp, xp, weight: wp, rows: rows, channels: c, parallel: .serial) } } } }
        var dx = [Float](repeating: 0, count: rows * c), dw = [Float](repeating: 0, count: c)
        dx.ptr { d in dw.ptr { dwp in gs.ptr { gp in xs.ptr { xp in ws.ptr { wp in rstd.ptr { rp in
            rmsNormBackward(dx: d, dweight: dwp, dout: gp, x: xp, weight: wp, rstd: rp, rows: rows, channels: c, parallel: twoThreads) } } } } } }
        expectGradient("rmsnorm dx", x, analytic: dx) { dot(forward($0, w), g) }
        expectGradient("rmsnorm dw", w, analytic: dw) { dot(forward(x, $0), g) }
    }

    @Test func embeddingGradientWithRepeatedTokens() {
        let b = 2, t = 5, c = 12, v = 4
        var tokens: [Int32] = [0, 1, 1, 3, 0, 2, 2, 2, 1, 0]
        let wte = randomArray(v * c, seed: 12), wpe = randomArray(t * c, seed: 13), g = randomArray(b * t * c, seed: 14)
        func forward(_ wte: [Float], _ wpe: [Float]) -> [Float] {
            var wte = wte, wpe = wpe, out = [Float](repeating: 0, count: b * t * c)
            out.ptr { o in tokens.withUnsafeBufferPointer { tp in wte.ptr { e in wpe.ptr { p in
                embeddingForward(o, tp.baseAddress!, e, p, batch: b, tokens: t, channels: c, parallel: twoThreads) } } } }
            return out
        }
        var dwte = [Float](repeating: 0, count: v * c), dwpe = [Float](repeating: 0, count: t * c), gs = g
        dwte.ptr { de in dwpe.ptr { dp in gs.ptr { gp in tokens.withUnsafeBufferPointer { tp in
            embeddingBackward(dwte: de, dwpe: dp, dout: gp, tokens: tp.baseAddress!, batch: b, tokens: t, channels: c, parallel: twoThreads) } } } }
        expectGradient("embedding dwte", wte, analytic: dwte) { dot(forward($0, wpe), g) }
        expectGradient("embedding dwpe", wpe, analytic: dwpe) { dot(forward(wte, $0), g) }
        tokens[0] = 0
    }

    @Test func ropeIsARotationAndItsBackwardInvertsIt() {
        let b = 2, t = 6, c = 16, nh = 2
        let table = RopeTable(context: t, headSize: c / nh)
        let x = randomArray(b * t * 3 * c, seed: 15)
        var y = x
        y.ptr { ropeForward($0, table: table, batch: b, tokens: t, channels: c, heads: nh, parallel: twoThreads) }
        // Position 0 is not rotated; v is never touched; norms are preserved per pair.
        for i in 0..<(3 * c) where i < 2 * c { #expect(y[i] == x[i]) }
        for r in 0..<(b * t) { for i in 0..<c { #expect(y[r * 3 * c + 2 * c + i] == x[r * 3 * c + 2 * c + i]) } }
        let g = randomArray(b * t * 3 * c, seed: 16)
        var dx = g
        dx.ptr { ropeBackward($0, table: table, batch: b, tokens: t, channels: c, heads: nh, parallel: .serial) }
        expectGradient("rope", x, analytic: dx) { xs in
            var xs = xs
            xs.ptr { ropeForward($0, table: table, batch: b, tokens: t, channels: c, heads: nh, parallel: .serial) }
            return dot(xs, g)
        }
    }

    @Test func crossEntropyLossAndGradient() {
        let rows = 6, v = 37
        var logits = randomArray(rows * v, seed: 17, scale: 3)
        var targets: [Int32] = [0, 36, 5, 5, 17, 2]
        let original = logits
        var losses = [Float](repeating: 0, count: rows)
        let total = losses.ptr { l in logits.ptr { lg in targets.withUnsafeBufferPointer { tp in
            crossEntropyForwardBackward(logits: lg, losses: l, targets: tp.baseAddress!, rows: rows, vocab: v,
                                        gradScale: 1 / Float(rows), parallel: twoThreads) } } }
        func meanLoss(_ lg: [Float]) -> Double {
            var sum = 0.0
            for r in 0..<rows {
                let row = lg[(r * v)..<((r + 1) * v)].map(Double.init)
                let m = row.max()!
                let lse = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
                sum += lse - row[Int(targets[r])]
            }
            return sum / Double(rows)
        }
        #expect(abs(total / Double(rows) - meanLoss(original)) < 1e-5)
        // The returned gradient (softmax − onehot)/rows sums to zero per row.
        for r in 0..<rows { #expect(abs(logits[(r * v)..<((r + 1) * v)].reduce(0, +)) < 1e-5) }
        expectGradient("cross-entropy", original, analytic: logits, h: 1e-3) { meanLoss($0) }
        targets[0] = 0
    }

    @Test func adamwMatchesScalarReference() {
        let n = 29
        var p = randomArray(n, seed: 18), g = randomArray(n, seed: 19)
        var m = [Float](repeating: 0, count: n), v = m
        var pr = p.map(Double.init), mr = [Double](repeating: 0, count: n), vr = mr
        let settings = AdamWSettings(beta1: 0.9, beta2: 0.95, eps: 1e-8)
        for step in 1...3 {
            p.ptr { pp in g.ptr { gp in m.ptr { mp in v.ptr { vp in
                adamwUpdate(params: pp, grads: gp, m: mp, v: vp, count: n, lr: 0.01, weightDecay: 0.1, step: step,
                            settings: settings, parallel: twoThreads) } } } }
            for i in 0..<n {
                let gi = Double(g[i])
                pr[i] *= 1 - 0.01 * 0.1
                mr[i] = 0.9 * mr[i] + 0.1 * gi
                vr[i] = 0.95 * vr[i] + 0.05 * gi * gi
                let mh = mr[i] / (1 - Foundation.pow(0.9, Double(step)))
                let vh = vr[i] / (1 - Foundation.pow(0.95, Double(step)))
                pr[i] -= 0.01 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        for i in 0..<n { #expect(abs(Double(p[i]) - pr[i]) < 1e-5, "param \(i): \(p[i]) vs \(pr[i])") }
    }

    @Test func globalNormAndClipping() {
        let n = 200_003
        var g = randomArray(n, seed: 20)
        let ref = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let one = g.ptr { globalNorm($0, count: n, parallel: .serial) }
        let two = g.ptr { globalNorm($0, count: n, parallel: twoThreads) }
        #expect(one == two, "norm must not depend on the thread count")
        #expect(abs(one - ref) / ref < 1e-6)
        g.ptr { clipGradients($0, count: n, norm: one, maxNorm: 1, parallel: twoThreads) }
        let after = g.ptr { globalNorm($0, count: n, parallel: .serial) }
        #expect(abs(after - 1) < 1e-4)
    }
}
