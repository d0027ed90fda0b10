import Kernels
import Testing

@Suite struct MatmulTests {
    @Test(arguments: [(1, 1, 1), (7, 5, 3), (64, 33, 17), (130, 96, 70)])
    func blasMatchesNaiveWithBias(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var x = randomArray(m * k, seed: 1), w = randomArray(n * k, seed: 2), b = randomArray(n, seed: 3)
        var fast = [Float](repeating: 0, count: m * n), slow = fast
        fast.ptr { o in x.ptr { xi in w.ptr { wi in b.ptr { bi in
            matmulForward(o, xi, wi, bi, rows: m, inFeatures: k, outFeatures: n, parallel: twoThreads) } } } }
        slow.ptr { o in x.ptr { xi in w.ptr { wi in b.ptr { bi in
            matmulForwardNaive(o, xi, wi, bi, rows: m, inFeatures: k, outFeatures: n) } } } }
        let maxDiff = zip(fast, slow).map { abs($0 - $1) }.max()!
        #expect(maxDiff < 1e-4, "max |blas - naive| = \(maxDiff)")
    }

    /// Every transpose combination of the sgemm wrapper, split over threads or not, against a
    /// naive product of explicitly transposed matrices.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func sgemmAllTransposes(trans: (Bool, Bool)) {
        let (ta, tb) = trans
        let m = 96, n = 80, k = 40
        let a = randomArray(m * k, seed: 4), b = randomArray(k * n, seed: 5)
        var c0 = randomArray(m * n, seed: 6)
        // Stored layouts: A is (M,K) or (K,M) when transposed; B is (K,N) or (N,K).
        var aStored = a, bStored = b
        if ta { for i in 0..<m { for j in 0..<k { aStored[j * m + i] = a[i * k + j] } } }
        if tb { for i in 0..<k { for j in 0..<n { bStored[j * k + i] = b[i * n + j] } } }
        var expected = c0
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for l in 0..<k { s += Double(a[i * k + l]) * Double(b[l * n + j]) }
            expected[i * n + j] = Float(2 * s) + 0.5 * c0[i * n + j]
        } }
        for threads in [1, 2] {
            var c = c0
            c.ptr { cp in aStored.ptr { ap in bStored.ptr { bp in
                sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 2, a: ap, lda: ta ? m : k,
                      b: bp, ldb: tb ? k : n, beta: 0.5, c: cp, ldc: n, parallel: Parallel(threads: threads)) } } }
            let maxDiff = zip(c, expected).map { abs($0 - $1) }.max()!
            #expect(maxDiff < 1e-4, "transA \(ta) transB \(tb) threads \(threads): max diff \(maxDiff)")
        }
        c0[0] = 0  // silence "never mutated"
    }

    /// Every GEMM a linear layer can use on this CPU: OpenBLAS and each small-kernel variant.
    static let gemms: [LinearGEMM] = [.openBLAS] + [512, 256, 128].filter(SIMDVariant.supports).map { .small(bits: $0) }

    /// Forward (with and without bias), the input gradient and the accumulated weight gradient of
    /// every GEMM against double-precision references, on shapes that leave ragged row tiles and
    /// partial vectors (1, 5, 24, 70 features) as well as the study's own; then the same call split
    /// over two threads must give the same bits.
    @Test(arguments: gemms)
    func linearGEMMsMatchReferences(gemm: LinearGEMM) {
        for (m, k, n) in [(1, 1, 1), (7, 5, 3), (13, 24, 72), (64, 33, 17), (130, 96, 70), (2048, 32, 96), (300, 128, 32)] {
            let x = randomArray(m * k, seed: 21), w = randomArray(n * k, seed: 22), b = randomArray(n, seed: 23)
            let g = randomArray(m * n, seed: 24), dw0 = randomArray(n * k, seed: 25)
            var expectedOut = [Float](repeating: 0, count: m * n), expectedDx = [Float](repeating: 0, count: m * k)
            var expectedDw = dw0
            for r in 0..<m { for o in 0..<n {
                var s = 0.0
                for i in 0..<k { s += Double(x[r * k + i]) * Double(w[o * k + i]) }
                expectedOut[r * n + o] = Float(s)
            } }
            for r in 0..<m { for i in 0..<k {
                var s = 0.0
                for o in 0..<n { s += Double(g[r * n + o]) * Double(w[o * k + i]) }
                expectedDx[r * k + i] = Float(s)
            } }
            for o in 0..<n { for i in 0..<k {
                var s = Double(dw0[o * k + i])
                for r in 0..<m { s += Double(g[r * n + o]) * Double(x[r * k + i]) }
                expectedDw[o * k + i] = Float(s)
            } }
            var results: [[Float]] = []
            for threads in [1, 2] {
                let par = Parallel(threads: threads)
                var xs = x, ws = w, bs = b, gs = g
                var out = [Float](repeating: .nan, count: m * n), outBias = out
                var dx = [Float](repeating: .nan, count: m * k), dw = dw0
                out.ptr { op in outBias.ptr { obp in xs.ptr { xp in ws.ptr { wp in bs.ptr { bp in
                    matmulForward(op, xp, wp, nil, rows: m, inFeatures: k, outFeatures: n, parallel: par, gemm: gemm)
                    matmulForward(obp, xp, wp, bp, rows: m, inFeatures: k, outFeatures: n, parallel: par, gemm: gemm)
                } } } } }
                dx.ptr { dxp in dw.ptr { dwp in gs.ptr { gp in xs.ptr { xp in ws.ptr { wp in
                    matmulBackward(dinp: dxp, dweight: dwp, dbias: nil, dout: gp, inp: xp, weight: wp,
                                   rows: m, inFeatures: k, outFeatures: n, parallel: par, gemm: gemm)
                } } } } }
                let tolerance = Float(1e-5) * (Float(max(k, n, m)).squareRoot() + 1) * 4
                func check(_ name: String, _ got: [Float], _ want: [Float]) {
                    let diff = zip(got, want).map { abs($0 - $1) }.max() ?? 0
                    #expect(diff <= tolerance, "\(gemm) \(name) (m \(m), k \(k), n \(n), \(threads) threads): max diff \(diff)")
                }
                check("forward", out, expectedOut)
                check("forward + bias", outBias, zip(expectedOut.indices, expectedOut).map { $1 + b[$0 % n] })
                check("dinp", dx, expectedDx)
                check("dweight", dw, expectedDw)
                results.append(out + outBias + dx + dw)
            }
            if case .small = gemm {
                #expect(results[0] == results[1], "\(gemm) (m \(m), k \(k), n \(n)): two threads changed the bits")
            }
        }
    }

    @Test(arguments: gemms)
    func backwardMatchesFiniteDifferences(gemm: LinearGEMM) {
        let m = 6, k = 5, n = 4
        let x = randomArray(m * k, seed: 7), w = randomArray(n * k, seed: 8), b = randomArray(n, seed: 9)
        let dout = randomArray(m * n, seed: 10)
        func forward(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var x = x, w = w, b = b, o = [Float](repeating: 0, count: m * n)
            o.ptr { op in x.ptr { xp in w.ptr { wp in b.ptr { bp in
                matmulForward(op, xp, wp, bp, rows: m, inFeatures: k, outFeatures: n, parallel: .serial, gemm: gemm) } } } }
            return dot(o, dout)
        }
        var dx = [Float](repeating: 0, count: m * k), dw = [Float](repeating: 0, count: n * k)
        var db = [Float](repeating: 0, count: n)
        var xs = x, ws = w, g = dout
        dx.ptr { dxp in dw.ptr { dwp in db.ptr { dbp in g.ptr { gp in xs.ptr { xp in ws.ptr { wp in
            matmulBackward(dinp: dxp, dweight: dwp, dbias: dbp, dout: gp, inp: xp, weight: wp,
                           rows: m, inFeatures: k, outFeatures: n, parallel: twoThreads, gemm: gemm) } } } } } }
        expectGradient("matmul dx", x, analytic: dx) { forward($0, w, b) }
        expectGradient("matmul dw", w, analytic: dw) { forward(x, $0, b) }
        expectGradient("matmul db", b, analytic: db) { forward(x, w, $0) }
    }

    @Test func weightGradientsAccumulate() {
        let m = 8, k = 3, n = 2
        var x = randomArray(m * k, seed: 11), w = randomArray(n * k, seed: 12), g = randomArray(m * n, seed: 13)
        func backward(times: Int) -> [Float] {
            var dw = [Float](repeating: 0, count: n * k)
            for _ in 0..<times {
                dw.ptr { dwp in g.ptr { gp in x.ptr { xp in w.ptr { wp in
                    matmulBackward(dinp: nil, dweight: dwp, dbias: nil, dout: gp, inp: xp, weight: wp,
                                   rows: m, inFeatures: k, outFeatures: n, parallel: .serial) } } } }
            }
            return dw
        }
        let once = backward(times: 1), twice = backward(times: 2)
        for i in 0..<(n * k) { #expect(abs(twice[i] - 2 * once[i]) < 1e-5) }
    }
}

@Suite struct LinearGEMMChoiceTests {
    /// OpenBLAS keeps every layer unless it runs narrower vectors than ScaleLab's kernels, and then
    /// only the sizes where `bench --linear` measured a gain: AVX2 against 128-bit kernels up to 512
    /// features, AVX-512 against AVX2 kernels up to 128.
    @Test func smallKernelsOnlyWhereOpenBLASIsNarrower() {
        #expect(LinearGEMM.choice(inFeatures: 32, outFeatures: 96, simdBits: 512, openBLASBits: 512) == .openBLAS)
        #expect(LinearGEMM.choice(inFeatures: 32, outFeatures: 96, simdBits: 512, openBLASBits: 256) == .small(bits: 512))
        #expect(LinearGEMM.choice(inFeatures: 32, outFeatures: 256, simdBits: 512, openBLASBits: 256) == .openBLAS)
        #expect(LinearGEMM.choice(inFeatures: 32, outFeatures: 96, simdBits: 256, openBLASBits: 256) == .openBLAS)
        #expect(LinearGEMM.choice(inFeatures: 32, outFeatures: 96, simdBits: 512, openBLASBits: nil) == .openBLAS)
        #expect(LinearGEMM.choice(inFeatures: 384, outFeatures: 8192, simdBits: 512, openBLASBits: 128) == .small(bits: 512))
        #expect(LinearGEMM.choice(inFeatures: 96, outFeatures: 384, simdBits: 256, openBLASBits: 128) == .small(bits: 256))
        #expect(LinearGEMM.choice(inFeatures: 256, outFeatures: 768, simdBits: 256, openBLASBits: 128) == .openBLAS)
        #expect(OpenBLAS.vectorBits(core: "Prescott") == 128)
        #expect(OpenBLAS.vectorBits(core: "SkylakeX") == 512)
        #expect(OpenBLAS.vectorBits(core: "Haswell") == 256)
        #expect(OpenBLAS.vectorBits(core: "SomethingNew") == nil)
    }
}
