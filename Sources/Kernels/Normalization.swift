// LayerNorm and RMSNorm over the channel dimension.

/// Sum of `n` floats with 8-lane accumulators (a plain `s += x` loop cannot vectorise: no
/// reassociation without fast-math). The order is fixed, so the result is deterministic.
@inline(__always) func rowSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = F8(); var i = 0
    while i + 8 <= n { acc += load8(x + i); i += 8 }
    var s = acc.sum()
    while i < n { s += x[i]; i += 1 }
    return s
}

/// Σ (x - shift)² over `n` floats.
@inline(__always) func rowSumSquares(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
    var acc = F8(); var i = 0
    let m = F8(repeating: shift)
    while i + 8 <= n { let d = load8(x + i) - m; acc += d * d; i += 8 }
    var s = acc.sum()
    while i < n { let d = x[i] - shift; s += d * d; i += 1 }
    return s
}

/// Σ a·b over `n` floats.
@inline(__always) func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = F8(); var i = 0
    while i + 8 <= n { acc += load8(a + i) * load8(b + i); i += 8 }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

public let normEpsilon: Float = 1e-5

/// (Σ dn, Σ dn·n̂) with dn = g·w and n̂ = (x − shift)·scale: the two row sums a norm's backward needs.
@inline(__always) func dnSums(_ g: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                              shift: Float, scale: Float, _ n: Int) -> (Float, Float) {
    var a = F8(), b = F8(); var i = 0
    let sh = F8(repeating: shift), sc = F8(repeating: scale)
    while i + 8 <= n {
        let dn = load8(g + i) * load8(w + i)
        a += dn; b += dn * (load8(x + i) - sh) * sc
        i += 8
    }
    var sa = a.sum(), sb = b.sum()
    while i < n { let dn = g[i] * w[i]; sa += dn; sb += dn * (x[i] - shift) * scale; i += 1 }
    return (sa, sb)
}

// MARK: - LayerNorm

/// out (R, C) = (x - mean) · rstd · weight + bias; saves mean (R) and rstd (R) for backward.
public func layerNormForward(_ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                             rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                             rows: Int, channels c: Int, parallel: Parallel) {
    parallel.ranges(rows, grain: 64) { range in
        for r in range {
            let xr = x + r * c, o = out + r * c
            let mu = rowSum(xr, c) / Float(c)
            let s = 1 / (rowSumSquares(xr, c, shift: mu) / Float(c) + normEpsilon).squareRoot()
            for i in 0..<c { o[i] = (xr[i] - mu) * s * weight[i] + bias[i] }
            mean[r] = mu; rstd[r] = s
        }
    }
}

/// dx (R, C) += rstd · (dn - mean(dn) - n̂ · mean(dn · n̂)), with n̂ the normalised input and
/// dn = dout · weight (accumulates: this is the residual stream's gradient).
/// dweight (C) += Σ_r dout · n̂; dbias (C) += Σ_r dout.
public func layerNormBackward(dx: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                              dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                              rows: Int, channels c: Int, parallel: Parallel) {
    parallel.ranges(rows, grain: 64) { range in
        for r in range {
            let xr = x + r * c, g = dout + r * c, d = dx + r * c
            let mu = mean[r], s = rstd[r]
            let (sumDn, sumDnN) = dnSums(g, weight, xr, shift: mu, scale: s, c)
            let meanDn = sumDn / Float(c), meanDnN = sumDnN / Float(c)
            for i in 0..<c {
                let n = (xr[i] - mu) * s
                d[i] += s * (g[i] * weight[i] - meanDn - n * meanDnN)
            }
        }
    }
    // Parameter gradients reduce over rows: split over channels so each sum has one fixed order.
    parallel.ranges(c, grain: 32, align: 8) { cols in
        for r in 0..<rows {
            let xr = x + r * c, g = dout + r * c
            let mu = mean[r], s = rstd[r]
            for i in cols {
                dweight[i] += g[i] * (xr[i] - mu) * s
                dbias[i] += g[i]
            }
        }
    }
}

// MARK: - RMSNorm

/// out (R, C) = x · rstd · weight with rstd = 1 / sqrt(mean(x²) + eps); saves rstd (R).
public func rmsNormForward(_ out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                           _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           rows: Int, channels c: Int, parallel: Parallel) {
    parallel.ranges(rows, grain: 64) { range in
        for r in range {
            let xr = x + r * c, o = out + r * c
            let s = 1 / (rowSumSquares(xr, c, shift: 0) / Float(c) + normEpsilon).squareRoot()
            for i in 0..<c { o[i] = xr[i] * s * weight[i] }
            rstd[r] = s
        }
    }
}

/// dx (R, C) += rstd · (dn - n̂ · mean(dn · n̂)) with n̂ = x · rstd, dn = dout · weight (accumulates).
/// dweight (C) += Σ_r dout · n̂.
public func rmsNormBackward(dx: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                            dout: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            rstd: UnsafePointer<Float>, rows: Int, channels c: Int, parallel: Parallel) {
    parallel.ranges(rows, grain: 64) { range in
        for r in range {
            let xr = x + r * c, g = dout + r * c, d = dx + r * c
            let s = rstd[r]
            let meanDnN = dnSums(g, weight, xr, shift: 0, scale: s, c).1 / Float(c)
            for i in 0..<c { d[i] += s * (g[i] * weight[i] - xr[i] * s * meanDnN) }
        }
    }
    parallel.ranges(c, grain: 32, align: 8) { cols in
        for r in 0..<rows {
            let xr = x + r * c, g = dout + r * c, s = rstd[r]
            for i in cols { dweight[i] += g[i] * xr[i] * s }
        }
    }
}
