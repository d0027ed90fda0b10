import Foundation
import CBLAS
import SIMDKernels

// Linear layers store weights as (out, in), PyTorch's layout, so y = x·Wᵀ and export needs no
// transposes. All matrices are row-major.

/// Calls OpenBLAS single-threaded (see `Parallel` for why) and cuts the larger of M and N into one
/// block per thread. Each output element is computed by the same kernel in the same order whatever
/// the block, so results are deterministic for a given thread count.
///
/// C (M, N) = alpha · op(A) · op(B) + beta · C, where op(A) is (M, K) and op(B) is (K, N).
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                  parallel: Parallel) {
    guard m > 0, n > 0 else { return }
    OpenBLAS.ensureSingleThreaded()
    let ta = transA ? CblasTrans : CblasNoTrans
    let tb = transB ? CblasTrans : CblasNoTrans
    // Blocks narrower than this lose more to packing than the second core gains.
    let minBlock = 32
    if parallel.threads > 1 && m >= n && m >= 2 * minBlock {
        parallel.ranges(m, grain: minBlock, align: 16) { rows in
            let aBlock = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(rows.count), Int32(n), Int32(k), alpha,
                        aBlock, Int32(lda), b, Int32(ldb), beta, c + rows.lowerBound * ldc, Int32(ldc))
        }
    } else if parallel.threads > 1 && n >= 2 * minBlock {
        parallel.ranges(n, grain: minBlock, align: 16) { cols in
            let bBlock = transB ? b + cols.lowerBound * ldb : b + cols.lowerBound
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(cols.count), Int32(k), alpha,
                        a, Int32(lda), bBlock, Int32(ldb), beta, c + cols.lowerBound, Int32(ldc))
        }
    } else {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

public enum OpenBLAS {
    /// OpenBLAS's own thread pool stays at one thread; we parallelise around it.
    nonisolated(unsafe) private static var configured = false
    @inline(__always) public static func ensureSingleThreaded() {
        if !configured { scalelab_blas_set_threads(1); configured = true }
    }

    /// The kernel family OpenBLAS chose at load ("Haswell", "SkylakeX", "Prescott", …).
    public static let coreName = String(cString: scalelab_blas_core_name())

    /// The vector width in bits of the sgemm kernels of `coreName`; nil for a family this table
    /// does not know (then OpenBLAS is trusted).
    public static let vectorBits: Int? = vectorBits(core: coreName)

    public static func vectorBits(core: String) -> Int? {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 512
        case "haswell", "zen", "excavator", "sandybridge", "steamroller", "piledriver", "bulldozer": return 256
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "barcelona", "opteron", "opteron_sse3",
             "bobcat", "katmai", "coppermine", "northwood", "banias", "nano": return 128
        default: return nil
        }
    }

    /// Lets OpenBLAS thread a call itself: used only to measure the sgemm ceiling with the same
    /// thread count as a benchmark.
    public static func setThreads(_ n: Int) {
        scalelab_blas_set_threads(Int32(n))
        configured = (n == 1)
    }
}

// MARK: - linear layer

/// The GEMM behind a linear layer: OpenBLAS, or ScaleLab's register-tiled kernels
/// (`SIMDKernels/gemm_small.inc`) where OpenBLAS runs narrower vectors than the CPU has. That
/// happens: OpenBLAS picks its kernels from the CPU model, and on a virtual machine that reports a
/// generic model it falls back to its 128-bit Prescott kernels on an AVX-512 CPU. The choice
/// depends on the machine, the environment and the shape alone, so a run is deterministic for a
/// given machine and thread count.
public enum LinearGEMM: Sendable, Equatable {
    case openBLAS
    /// The small-shape kernels in the vector width `bits` (`SIMDVariant.bits`).
    case small(bits: Int)

    /// What a linear layer with these feature counts uses here. Measured with `bench --linear`
    /// (forward + backward, 2 threads, alternated in one run; `OPENBLAS_CORETYPE` set for the
    /// command alone to compare OpenBLAS's kernel families on one AVX-512 machine):
    /// - AVX-512 kernels against OpenBLAS's 128-bit Prescott kernels: 2.6–4.5× on every layer of
    ///   the study presets and tiny; AVX2 against Prescott 1.0–3.0× up to 512 features;
    /// - AVX-512 kernels against OpenBLAS's AVX2 (Haswell) kernels: 1.18–1.8× on layers of at most
    ///   128 features, 0.6–1.3× on wider ones;
    /// - against OpenBLAS's own AVX-512 (SkylakeX) kernels: 0.56–1.09×, so OpenBLAS keeps them.
    public static func choice(inFeatures k: Int, outFeatures n: Int) -> LinearGEMM {
        if forceOpenBLAS { return .openBLAS }
        return choice(inFeatures: k, outFeatures: n, simdBits: SIMDVariant.bits, openBLASBits: OpenBLAS.vectorBits)
    }

    /// SCALELAB_LINEAR_GEMM=openblas keeps every layer on OpenBLAS (to compare the paths on one machine).
    static let forceOpenBLAS = ProcessInfo.processInfo.environment["SCALELAB_LINEAR_GEMM"] == "openblas"

    public static func choice(inFeatures k: Int, outFeatures n: Int, simdBits: Int, openBLASBits: Int?) -> LinearGEMM {
        guard let blas = openBLASBits, simdBits > blas else { return .openBLAS }
        let widest = max(k, n)
        switch (blas, simdBits) {
        case (...128, 512...): return .small(bits: simdBits)
        case (...128, _): return widest <= 512 ? .small(bits: simdBits) : .openBLAS
        default: return widest <= 128 ? .small(bits: simdBits) : .openBLAS
        }
    }
}

/// out (M, N) = inp (M, K) · weight (N, K)ᵀ + bias (N)
public func matmulForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                          _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                          rows m: Int, inFeatures k: Int, outFeatures n: Int, parallel: Parallel,
                          gemm: LinearGEMM? = nil) {
    var beta: Float = 0
    if let bias {
        // Broadcast the bias into the output and let the GEMM add onto it (beta = 1): no extra pass.
        parallel.ranges(m, grain: 256) { rows in
            for r in rows { (out + r * n).update(from: bias, count: n) }
        }
        beta = 1
    }
    switch gemm ?? LinearGEMM.choice(inFeatures: k, outFeatures: n) {
    case .openBLAS:
        sgemm(transA: false, transB: true, m: m, n: n, k: k, a: inp, lda: k, b: weight, ldb: k,
              beta: beta, c: out, ldc: n, parallel: parallel)
    case .small(let bits):
        smallGEMM(bits: bits, out: out, a: inp, rows: m, reduction: k, b: weight, columns: n,
                  bTransposed: true, accumulate: beta == 1, parallel: parallel)
    }
}

/// Backward of `matmulForward`.
/// dinp (M, K) = dout (M, N) · weight (N, K)          — overwritten
/// dweight (N, K) += dout (M, N)ᵀ · inp (M, K)        — accumulated (gradient accumulation)
/// dbias (N) += Σ_rows dout                           — accumulated
public func matmulBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                           dbias: UnsafeMutablePointer<Float>?,
                           dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           rows m: Int, inFeatures k: Int, outFeatures n: Int, parallel: Parallel,
                           gemm: LinearGEMM? = nil) {
    switch gemm ?? LinearGEMM.choice(inFeatures: k, outFeatures: n) {
    case .openBLAS:
        if let dinp {
            sgemm(transA: false, transB: false, m: m, n: k, k: n, a: dout, lda: n, b: weight, ldb: k,
                  beta: 0, c: dinp, ldc: k, parallel: parallel)
        }
        sgemm(transA: true, transB: false, m: n, n: k, k: m, a: dout, lda: n, b: inp, ldb: k,
              beta: 1, c: dweight, ldc: k, parallel: parallel)
    case .small(let bits):
        if let dinp {
            smallGEMM(bits: bits, out: dinp, a: dout, rows: m, reduction: n, b: weight, columns: k,
                      bTransposed: false, accumulate: false, parallel: parallel)
        }
        smallWeightGradient(bits: bits, dweight: dweight, dout: dout, inp: inp, rows: m, inFeatures: k,
                            outFeatures: n, parallel: parallel)
    }
    if let dbias { columnSumAccumulate(dbias, dout, rows: m, cols: n, parallel: parallel) }
}

/// The calling thread's packing buffer; it only grows, so a step allocates nothing after the first.
private func packScratch(_ floats: Int) -> UnsafeMutablePointer<Float> {
    guard let p = scalelab_gemm_scratch(floats) else {
        fatalError("out of memory for a \(floats)-float GEMM packing buffer")
    }
    return p
}

/// out (M, N) (+)= a (M, K) · op(b), op(b) (K, N) being b (K, N) or, `bTransposed`, b (N, K)ᵀ. The
/// right operand is packed once on this thread; the rows are then split over the threads.
private func smallGEMM(bits: Int, out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, rows m: Int,
                       reduction k: Int, b: UnsafePointer<Float>, columns n: Int, bTransposed: Bool,
                       accumulate: Bool, parallel: Parallel) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        if !accumulate { out.update(repeating: 0, count: m * n) }
        return
    }
    let np = scalelab_gemm_padded(Int32(n), Int32(bits))
    let packed = packScratch(k * np)
    scalelab_gemm_pack(packed, np, b, bTransposed ? k : n, Int32(k), Int32(n), bTransposed ? 1 : 0)
    parallel.ranges(m, grain: 48, align: 12) { r in
        let status = scalelab_gemm_packed(Int32(bits), out + r.lowerBound * n, n, a + r.lowerBound * k, k, packed, np,
                                          Int32(r.count), Int32(n), Int32(k), accumulate ? 1 : 0)
        if status != 0 { fatalError("out of memory for a GEMM row panel of \(12 * k) floats") }
    }
}

/// dweight (N, K) += dout (M, N)ᵀ · inp (M, K): each thread owns a block of the weight's rows and
/// streams all M rows through it in order (deterministic whatever the split). inp is copied with
/// its rows padded to the vector when K is not a multiple of it.
private func smallWeightGradient(bits: Int, dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                 inp: UnsafePointer<Float>, rows m: Int, inFeatures k: Int, outFeatures n: Int,
                                 parallel: Parallel) {
    guard m > 0, n > 0, k > 0 else { return }
    let kp = scalelab_gemm_padded(Int32(k), Int32(bits))
    var b = inp
    if kp != k {
        let packed = packScratch(m * kp)
        scalelab_gemm_pack(packed, kp, inp, k, Int32(m), Int32(k), 0)
        b = UnsafePointer(packed)
    }
    parallel.ranges(n, grain: 6, align: 6) { r in
        scalelab_gemm_tn_accumulate(Int32(bits), dweight, k, dout, n, b, kp, Int32(m),
                                    Int32(r.lowerBound), Int32(r.upperBound), Int32(k), kp)
    }
}

/// out (N) += Σ_r x (M, N)[r, :]. Each thread owns a block of columns and streams the rows through
/// it (contiguous reads); every column's sum runs over the rows in order, so it is deterministic.
public func columnSumAccumulate(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                rows m: Int, cols n: Int, parallel: Parallel) {
    parallel.ranges(n, grain: 64, align: 8) { cols in
        let c0 = cols.lowerBound, width = cols.count, vectorEnd = c0 + width / 8 * 8
        for r in 0..<m {
            let row = x + r * n
            var c = c0
            while c < vectorEnd { store8(out + c, load8(out + c) + load8(row + c)); c += 8 }
            while c < cols.upperBound { out[c] += row[c]; c += 1 }
        }
    }
}

/// The textbook triple loop: the reference the BLAS path is tested against.
public func matmulForwardNaive(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                               _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                               rows m: Int, inFeatures k: Int, outFeatures n: Int) {
    for r in 0..<m {
        for o in 0..<n {
            var acc: Double = bias.map { Double($0[o]) } ?? 0
            for i in 0..<k { acc += Double(inp[r * k + i]) * Double(weight[o * k + i]) }
            out[r * n + o] = Float(acc)
        }
    }
}
