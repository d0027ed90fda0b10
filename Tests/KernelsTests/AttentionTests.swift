import Foundation
import Kernels
import Testing

@Suite struct AttentionTests {
    /// Straightforward causal attention in Double: the reference.
    func naiveAttention(_ qkv: [Float], b: Int, t: Int, c: Int, nh: Int) -> [Float] {
        let hs = c / nh
        var out = [Float](repeating: 0, count: b * t * c)
        for bi in 0..<b { for h in 0..<nh { for i in 0..<t {
            let q = (bi * t + i) * 3 * c + h * hs
            var scores = [Double](repeating: 0, count: i + 1)
            for j in 0...i {
                let k = (bi * t + j) * 3 * c + c + h * hs
                var s = 0.0
                for d in 0..<hs { s += Double(qkv[q + d]) * Double(qkv[k + d]) }
                scores[j] = s / Double(hs).squareRoot()
            }
            let m = scores.max()!
            let e = scores.map { Foundation.exp($0 - m) }
            let z = e.reduce(0, +)
            for d in 0..<hs {
                var acc = 0.0
                for j in 0...i { acc += e[j] / z * Double(qkv[(bi * t + j) * 3 * c + 2 * c + h * hs + d]) }
                out[(bi * t + i) * c + h * hs + d] = Float(acc)
            }
        } } }
        return out
    }

    /// The vector widths this CPU runs (the small-head path's variants; the sgemm path ignores it).
    static let variants = [512, 256, 128].filter { SIMDVariant.supports($0) }

    /// The small-head kernels in that width where they handle the head size, whatever OpenBLAS
    /// this machine has; sgemm otherwise.
    static func path(headSize: Int, simdBits: Int?) -> AttentionPath? {
        guard let simdBits else { return nil }
        return AttentionPath.smallKernelsHandle(headSize: headSize) ? .small(bits: simdBits) : .sgemm
    }

    func forward(_ qkv: [Float], b: Int, t: Int, c: Int, nh: Int, threads: Int, simdBits: Int? = nil) -> ([Float], [Float]) {
        var qkv = qkv
        var out = [Float](repeating: 0, count: b * t * c), lse = [Float](repeating: 0, count: b * nh * t)
        let ws = AttentionWorkspace(threads: threads, context: t, headSize: c / nh, path: Self.path(headSize: c / nh, simdBits: simdBits))
        defer { ws.deallocate() }
        out.ptr { o in lse.ptr { l in qkv.ptr { q in
            attentionForward(o, lse: l, q, workspace: ws, batch: b, tokens: t, channels: c, heads: nh,
                             parallel: Parallel(threads: threads)) } } }
        return (out, lse)
    }

    /// T = 150 spans three query blocks (64, 64, 22), so block edges and the causal mask inside the
    /// diagonal block are both exercised on the sgemm path (head sizes 4 and 24); head sizes 8, 16
    /// and 32 take the small-head kernels, in every vector width this CPU runs, with token counts
    /// that are not multiples of any vector width.
    @Test(arguments: [(1, 5, 8, 2), (2, 150, 16, 2), (1, 70, 24, 3), (1, 37, 32, 2), (1, 45, 64, 2), (1, 150, 8, 2)])
    func forwardMatchesNaive(shape: (Int, Int, Int, Int)) {
        let (b, t, c, nh) = shape
        let qkv = randomArray(b * t * 3 * c, seed: 1, scale: 2)
        let ref = naiveAttention(qkv, b: b, t: t, c: c, nh: nh)
        for bits in Self.variants {
            let (out, _) = forward(qkv, b: b, t: t, c: c, nh: nh, threads: 2, simdBits: bits)
            let maxDiff = zip(out, ref).map { abs($0 - $1) }.max()!
            #expect(maxDiff < 2e-5, "\(bits)-bit: max |fused - naive| = \(maxDiff)")
            let (serial, _) = forward(qkv, b: b, t: t, c: c, nh: nh, threads: 1, simdBits: bits)
            #expect(serial == out, "\(bits)-bit: the result must not depend on the thread count")
        }
    }

    @Test(arguments: [(1, 7, 8, 2), (2, 130, 8, 2), (2, 43, 16, 2), (1, 29, 32, 2), (1, 21, 64, 2)])
    func backwardMatchesFiniteDifferences(shape: (Int, Int, Int, Int)) {
        for bits in Self.variants { backwardMatchesFiniteDifferences(shape: shape, simdBits: bits) }
    }

    /// The small-head kernels' gradients against the sgemm path's, an independent implementation,
    /// to a tolerance finite differences cannot reach: token counts under, at and past a vector's
    /// width and past 256, head sizes 8, 16 and 32, every vector width this CPU runs.
    @Test(arguments: [(1, 5, 16, 2), (2, 130, 16, 2), (1, 43, 32, 2), (1, 300, 8, 1), (1, 16, 32, 2), (1, 70, 64, 2)])
    func smallHeadGradientsMatchSgemmPath(shape: (Int, Int, Int, Int)) {
        let (b, t, c, nh) = shape
        var qkv = randomArray(b * t * 3 * c, seed: 4, scale: 2)
        var g = randomArray(b * t * c, seed: 5)
        func gradients(path: AttentionPath) -> [Float] {
            let ws = AttentionWorkspace(threads: 2, context: t, headSize: c / nh, path: path)
            defer { ws.deallocate() }
            var out = [Float](repeating: 0, count: b * t * c), lse = [Float](repeating: 0, count: b * nh * t)
            var dqkv = [Float](repeating: 0, count: b * t * 3 * c)
            out.ptr { o in lse.ptr { l in qkv.ptr { q in g.ptr { gp in dqkv.ptr { d in
                attentionForward(o, lse: l, q, workspace: ws, batch: b, tokens: t, channels: c, heads: nh, parallel: twoThreads)
                attentionBackward(dqkv: d, dout: gp, qkv: q, out: o, lse: l, workspace: ws, batch: b, tokens: t,
                                  channels: c, heads: nh, parallel: twoThreads) } } } } }
            return dqkv
        }
        let reference = gradients(path: .sgemm)
        let scale = reference.map(abs).max()!
        for bits in Self.variants {
            let small = gradients(path: .small(bits: bits))
            let maxDiff = zip(small, reference).map { abs($0 - $1) }.max()!
            #expect(maxDiff < 2e-5 * scale, "\(bits)-bit: max |small - sgemm| = \(maxDiff) (largest gradient \(scale))")
        }
    }

    func backwardMatchesFiniteDifferences(shape: (Int, Int, Int, Int), simdBits: Int) {
        let (b, t, c, nh) = shape
        var qkv = randomArray(b * t * 3 * c, seed: 2)
        var g = randomArray(b * t * c, seed: 3)
        var (out, lse) = forward(qkv, b: b, t: t, c: c, nh: nh, threads: 2, simdBits: simdBits)
        var dqkv = [Float](repeating: 0, count: b * t * 3 * c)
        let ws = AttentionWorkspace(threads: 2, context: t, headSize: c / nh, path: Self.path(headSize: c / nh, simdBits: simdBits))
        defer { ws.deallocate() }
        dqkv.ptr { d in g.ptr { gp in qkv.ptr { q in out.ptr { o in lse.ptr { l in
            attentionBackward(dqkv: d, dout: gp, qkv: q, out: o, lse: l, workspace: ws, batch: b, tokens: t,
                              channels: c, heads: nh, parallel: twoThreads) } } } } }
        expectGradient("attention", qkv, analytic: dqkv, h: 1e-2, samples: 200) { x in
            dot(naiveAttention(x, b: b, t: t, c: c, nh: nh), g)
        }
    }

    /// Head sizes 8 and 16 always take the small-head kernels; 32 only where they are wider than
    /// OpenBLAS's; anything else stays on sgemm.
    @Test func pathChoice() {
        #expect(AttentionPath.choice(headSize: 8, simdBits: 512, openBLASBits: 512) == .small(bits: 512))
        #expect(AttentionPath.choice(headSize: 16, simdBits: 128, openBLASBits: 256) == .small(bits: 128))
        #expect(AttentionPath.choice(headSize: 32, simdBits: 512, openBLASBits: 128) == .small(bits: 512))
        #expect(AttentionPath.choice(headSize: 32, simdBits: 256, openBLASBits: 128) == .small(bits: 256))
        #expect(AttentionPath.choice(headSize: 32, simdBits: 512, openBLASBits: 512) == .sgemm)
        #expect(AttentionPath.choice(headSize: 32, simdBits: 128, openBLASBits: 128) == .sgemm)
        #expect(AttentionPath.choice(headSize: 32, simdBits: 512, openBLASBits: nil) == .sgemm)
        #expect(AttentionPath.choice(headSize: 64, simdBits: 512, openBLASBits: 128) == .sgemm)
        #expect(AttentionPath.choice(headSize: 24, simdBits: 512, openBLASBits: 128) == .sgemm)
    }
}
