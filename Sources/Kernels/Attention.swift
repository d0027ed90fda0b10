import Foundation
import SIMDKernels

/// Causal multi-head self-attention, fused in the manner of FlashAttention-2 but on the CPU: for
/// each (batch, head) and each block of `queryBlock` queries, one GEMM gives the scores against the
/// keys up to the block's end (the causal mask skips every key block above the diagonal), a SIMD
/// pass turns them into probabilities in place, and one GEMM takes the weighted sum of values.
/// Only a (queryBlock × T) slice of one head's T×T matrix exists at a time per thread; backward
/// recomputes it from the saved log-sum-exp instead of storing probabilities.
///
/// qkv (B, T, 3C): each token's row holds [q (C) | k (C) | v (C)], head h at columns h·HS of each.
public struct AttentionWorkspace {
    public static let queryBlock = 64

    let scores: UnsafeMutablePointer<Float>      // (pieces, queryBlock, T), or the small path's scratch
    let dscores: UnsafeMutablePointer<Float>     // (pieces, queryBlock, T)
    let rowTerm: UnsafeMutablePointer<Float>     // (pieces, queryBlock) backward's rowsum(dO·O)
    let pieces: Int, context: Int, headSize: Int
    /// Floats of small-head scratch per piece (0: the sgemm path).
    let smallScratch: Int
    /// The path this workspace runs, fixed for its life.
    public let path: AttentionPath
    /// The small-head kernels' vector width in bits (0 on the sgemm path).
    var simdBits: Int { if case .small(let bits) = path { bits } else { 0 } }

    /// `path` nil: `AttentionPath.choice(headSize:)`. An explicit path lets benchmarks and tests
    /// compare the paths and every vector width on one machine.
    public init(threads: Int, context: Int, headSize: Int, path: AttentionPath? = nil) {
        pieces = threads; self.context = context; self.headSize = headSize
        self.path = path ?? AttentionPath.choice(headSize: headSize)
        if case .small(let bits) = self.path {
            precondition(SIMDVariant.supports(bits), "this CPU cannot run the \(bits)-bit kernels")
            precondition(AttentionPath.smallKernelsHandle(headSize: headSize), "no small-head kernel for head size \(headSize)")
            smallScratch = scalelab_attention_small_scratch(Int32(context), Int32(headSize))
            scores = .allocate(capacity: threads * smallScratch)
            scores.initialize(repeating: 0, count: threads * smallScratch)
            dscores = .allocate(capacity: 0); rowTerm = .allocate(capacity: 0)
            return
        }
        smallScratch = 0
        let n = threads * Self.queryBlock * context
        scores = .allocate(capacity: n); dscores = .allocate(capacity: n)
        rowTerm = .allocate(capacity: threads * Self.queryBlock)
        scores.initialize(repeating: 0, count: n); dscores.initialize(repeating: 0, count: n)
        rowTerm.initialize(repeating: 0, count: threads * Self.queryBlock)
    }

    /// Floats the workspace holds (for memory estimates).
    public static func floats(threads: Int, context: Int, headSize: Int) -> Int {
        AttentionPath.choice(headSize: headSize) != .sgemm
            ? threads * scalelab_attention_small_scratch(Int32(context), Int32(headSize))
            : threads * (2 * queryBlock * context + queryBlock)
    }

    public func deallocate() { scores.deallocate(); dscores.deallocate(); rowTerm.deallocate() }
}

/// How the attention core runs: per query block through sgemm calls, or on the small-head kernels
/// (SIMDKernels, tokens across the vector lanes: queries in the forward, keys in the backward).
public enum AttentionPath: Sendable, Equatable {
    case sgemm
    /// The small-head kernels in the vector width `bits` (`SIMDVariant.bits`).
    case small(bits: Int)

    /// The head sizes the small-head kernels are written for.
    public static func smallKernelsHandle(headSize hs: Int) -> Bool { hs == 8 || hs == 16 || hs == 32 }

    /// What attention with this head size uses here.
    public static func choice(headSize hs: Int) -> AttentionPath {
        choice(headSize: hs, simdBits: SIMDVariant.bits, openBLASBits: OpenBLAS.vectorBits)
    }

    /// Measured with `bench --attention` (forward + backward of one layer, 2 threads, paths
    /// alternated in one run; `OPENBLAS_CORETYPE` set for the command alone to compare OpenBLAS's
    /// kernel families on one AVX-512 machine), small-head kernels against the sgemm path:
    ///
    /// | head size | OpenBLAS kernels | AVX-512 | AVX2 |
    /// |---|---|---|---|
    /// | 8 | 128-bit (Prescott) | 3.4–4.6× | 2.8–3.2× |
    /// | 8 | AVX2 (Haswell) | 1.8–2.2× | 1.5–1.6× |
    /// | 8 | AVX-512 (SkylakeX) | 1.6–2.1× | 1.5–2.0× |
    /// | 32 | 128-bit | 1.8–2.2× | 1.1–1.4× |
    /// | 32 | AVX2 | 1.2–1.3× (T = 128), 0.93–0.97× (T = 256) | 0.7–0.8× |
    /// | 32 | AVX-512 | 0.75–0.81× | 0.5× |
    ///
    /// At K = 8 or 16 an sgemm call costs more in packing and dispatch than in arithmetic, whatever
    /// OpenBLAS's vectors; at 32 the small path pays only where its vectors are wider; wider heads
    /// stay on sgemm, whose GEMMs then have the depth to run at speed.
    public static func choice(headSize hs: Int, simdBits: Int, openBLASBits: Int?) -> AttentionPath {
        switch hs {
        case 8, 16: return .small(bits: simdBits)
        case 32:
            guard let blas = openBLASBits, simdBits > blas, simdBits >= 256 else { return .sgemm }
            return .small(bits: simdBits)
        default: return .sgemm
        }
    }
}

/// The vector width of ScaleLab's C kernels (SIMDKernels), chosen at run time from the CPU.
public enum SIMDVariant {
    /// 512 (AVX-512), 256 (AVX2+FMA) or 128 (portable): the widest this CPU runs, unless the
    /// environment's SCALELAB_SIMD (avx2, portable) narrows it.
    public static var bits: Int { Int(scalelab_simd_bits()) }
    public static func supports(_ bits: Int) -> Bool { scalelab_simd_supports(Int32(bits)) != 0 }
    /// The variant's name, as benchmarks and `bench` print it.
    public static func name(_ bits: Int) -> String { bits == 512 ? "AVX-512" : bits == 256 ? "AVX2+FMA" : "portable (128-bit)" }
}

/// out (B, T, C) = softmax(q·kᵀ/√HS, causal) · v per head; lse (B, NH, T) saves each row's
/// log-sum-exp for backward.
public func attentionForward(_ out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                             _ qkv: UnsafePointer<Float>, workspace ws: AttentionWorkspace,
                             batch b: Int, tokens t: Int, channels c: Int, heads nh: Int, parallel: Parallel) {
    precondition(t <= ws.context && parallel.threads <= ws.pieces && c / nh == ws.headSize, "workspace made for another shape")
    let hs = c / nh, ld = 3 * c, qb = AttentionWorkspace.queryBlock
    let scale = 1 / Float(hs).squareRoot()
    if ws.smallScratch > 0 {
        parallel.pieceRanges(b * nh) { piece, tasks in
            for task in tasks {
                let bi = task / nh, h = task % nh
                let base = qkv + bi * t * ld
                scalelab_attention_small_forward(Int32(ws.simdBits), out + bi * t * c + h * hs, c, lse + (bi * nh + h) * t,
                                                 base + h * hs, base + c + h * hs, base + 2 * c + h * hs, ld,
                                                 Int32(t), Int32(hs), scale, ws.scores + piece * ws.smallScratch)
            }
        }
        return
    }
    parallel.pieceRanges(b * nh) { piece, tasks in
        let s = ws.scores + piece * qb * ws.context
        for task in tasks {
            let bi = task / nh, h = task % nh
            let base = qkv + bi * t * ld
            let k = base + c + h * hs, v = base + 2 * c + h * hs
            for q0 in stride(from: 0, to: t, by: qb) {
                let nq = min(qb, t - q0), nk = q0 + nq
                let q = base + q0 * ld + h * hs
                sgemm(transA: false, transB: true, m: nq, n: nk, k: hs, alpha: scale, a: q, lda: ld,
                      b: k, ldb: ld, beta: 0, c: s, ldc: nk, parallel: .serial)
                for i in 0..<nq {
                    let row = s + i * nk
                    lse[(bi * nh + h) * t + q0 + i] = softmaxCausalRow(row, valid: q0 + i + 1, width: nk)
                }
                sgemm(transA: false, transB: false, m: nq, n: hs, k: nk, a: s, lda: nk, b: v, ldb: ld,
                      beta: 0, c: out + (bi * t + q0) * c + h * hs, ldc: c, parallel: .serial)
            }
        }
    }
}

/// Turns row[0..<valid] into probabilities in place and zeroes row[valid..<width]; returns the
/// log-sum-exp of the valid scores.
@inline(__always)
func softmaxCausalRow(_ row: UnsafeMutablePointer<Float>, valid: Int, width: Int) -> Float {
    let (m, sum) = expInPlace(row, valid)
    let inv = F8(repeating: 1 / sum)
    var j = 0
    while j + 8 <= valid { store8(row + j, load8(row + j) * inv); j += 8 }
    while j < valid { row[j] *= inv[0]; j += 1 }
    if valid < width { (row + valid).update(repeating: 0, count: width - valid) }
    return m + Foundation.log(sum)
}

/// Backward of `attentionForward`: dqkv (B, T, 3C) is overwritten with the gradients of q, k and v.
/// Per query block, with P recomputed as exp(S − lse):
///   dV += Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − rowsum(dO ⊙ O)) / √HS,  dQ = dS·K,  dK += dSᵀ·Q.
public func attentionBackward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              qkv: UnsafePointer<Float>, out: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                              workspace ws: AttentionWorkspace,
                              batch b: Int, tokens t: Int, channels c: Int, heads nh: Int, parallel: Parallel) {
    precondition(t <= ws.context && parallel.threads <= ws.pieces && c / nh == ws.headSize, "workspace made for another shape")
    let hs = c / nh, ld = 3 * c, qb = AttentionWorkspace.queryBlock
    let scale = 1 / Float(hs).squareRoot()
    if ws.smallScratch > 0 {
        parallel.pieceRanges(b * nh) { piece, tasks in
            for task in tasks {
                let bi = task / nh, h = task % nh
                let base = qkv + bi * t * ld, dbase = dqkv + bi * t * ld
                let o = bi * t * c + h * hs
                scalelab_attention_small_backward(Int32(ws.simdBits), dbase + h * hs, dbase + c + h * hs, dbase + 2 * c + h * hs, ld,
                                                  dout + o, out + o, c, base + h * hs, base + c + h * hs, base + 2 * c + h * hs, ld,
                                                  lse + (bi * nh + h) * t, Int32(t), Int32(hs), scale,
                                                  ws.scores + piece * ws.smallScratch)
            }
        }
        return
    }
    parallel.pieceRanges(b * nh) { piece, tasks in
        let p = ws.scores + piece * qb * ws.context
        let dp = ws.dscores + piece * qb * ws.context
        let rowTerm = ws.rowTerm + piece * qb
        for task in tasks {
            let bi = task / nh, h = task % nh
            let base = qkv + bi * t * ld, dbase = dqkv + bi * t * ld
            let k = base + c + h * hs, v = base + 2 * c + h * hs
            let dk = dbase + c + h * hs, dv = dbase + 2 * c + h * hs
            for r in 0..<t {  // dK and dV accumulate over query blocks
                (dk + r * ld).update(repeating: 0, count: hs); (dv + r * ld).update(repeating: 0, count: hs)
            }
            let rowLse = lse + (bi * nh + h) * t
            for q0 in stride(from: 0, to: t, by: qb) {
                let nq = min(qb, t - q0), nk = q0 + nq
                let q = base + q0 * ld + h * hs, dq = dbase + q0 * ld + h * hs
                let o = out + (bi * t + q0) * c + h * hs, dO = dout + (bi * t + q0) * c + h * hs
                sgemm(transA: false, transB: true, m: nq, n: nk, k: hs, alpha: scale, a: q, lda: ld,
                      b: k, ldb: ld, beta: 0, c: p, ldc: nk, parallel: .serial)
                for i in 0..<nq {
                    let row = p + i * nk, valid = q0 + i + 1
                    let m = F8(repeating: rowLse[q0 + i])
                    var j = 0
                    while j + 8 <= valid { store8(row + j, exp8(load8(row + j) - m)); j += 8 }
                    while j < valid { row[j] = exp1(row[j] - m[0]); j += 1 }
                    if valid < nk { (row + valid).update(repeating: 0, count: nk - valid) }
                    rowTerm[i] = rowDot(dO + i * c, o + i * c, hs)
                }
                sgemm(transA: true, transB: false, m: nk, n: hs, k: nq, a: p, lda: nk, b: dO, ldb: c,
                      beta: 1, c: dv, ldc: ld, parallel: .serial)
                sgemm(transA: false, transB: true, m: nq, n: nk, k: hs, a: dO, lda: c, b: v, ldb: ld,
                      beta: 0, c: dp, ldc: nk, parallel: .serial)
                for i in 0..<nq {
                    let pr = p + i * nk, dr = dp + i * nk
                    let d = F8(repeating: rowTerm[i]), sc = F8(repeating: scale)
                    var j = 0
                    while j + 8 <= nk { store8(dr + j, load8(pr + j) * (load8(dr + j) - d) * sc); j += 8 }
                    while j < nk { dr[j] = pr[j] * (dr[j] - d[0]) * scale; j += 1 }
                }
                sgemm(transA: false, transB: false, m: nq, n: hs, k: nk, a: dp, lda: nk, b: k, ldb: ld,
                      beta: 0, c: dq, ldc: ld, parallel: .serial)
                sgemm(transA: true, transB: false, m: nk, n: hs, k: nq, a: dp, lda: nk, b: q, ldb: ld,
                      beta: 1, c: dk, ldc: ld, parallel: .serial)
            }
        }
    }
}
