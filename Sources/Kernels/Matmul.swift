import CBLAS

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

    /// Lets OpenBLAS thread a call itself: used only to measure the sgemm ceiling with the same
    /// thread count as a benchmark.
    public static func setThreads(_ n: Int) {
        scalelab_blas_set_threads(Int32(n))
        configured = (n == 1)
    }
}

// MARK: - linear layer

/// out (M, N) = inp (M, K) · weight (N, K)ᵀ + bias (N)
public func matmulForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                          _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                          rows m: Int, inFeatures k: Int, outFeatures n: Int, parallel: Parallel) {
    var beta: Float = 0
    if let bias {
        // Broadcast the bias into the output and let the GEMM add onto it (beta = 1): no extra pass.
        parallel.ranges(m, grain: 256) { rows in
            for r in rows { (out + r * n).update(from: bias, count: n) }
        }
        beta = 1
    }
    sgemm(transA: false, transB: true, m: m, n: n, k: k, a: inp, lda: k, b: weight, ldb: k,
          beta: beta, c: out, ldc: n, parallel: parallel)
}

/// Backward of `matmulForward`.
/// dinp (M, K) = dout (M, N) · weight (N, K)          — overwritten
/// dweight (N, K) += dout (M, N)ᵀ · inp (M, K)        — accumulated (gradient accumulation)
/// dbias (N) += Σ_rows dout                           — accumulated
public func matmulBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                           dbias: UnsafeMutablePointer<Float>?,
                           dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           rows m: Int, inFeatures k: Int, outFeatures n: Int, parallel: Parallel) {
    if let dinp {
        sgemm(transA: false, transB: false, m: m, n: k, k: n, a: dout, lda: n, b: weight, ldb: k,
              beta: 0, c: dinp, ldc: k, parallel: parallel)
    }
    sgemm(transA: true, transB: false, m: n, n: k, k: m, a: dout, lda: n, b: inp, ldb: k,
          beta: 1, c: dweight, ldc: k, parallel: parallel)
    if let dbias { columnSumAccumulate(dbias, dout, rows: m, cols: n, parallel: parallel) }
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
