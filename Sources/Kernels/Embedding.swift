// Token + position embedding.

/// out (B·T, C) = wte[tokens] (V, C) + wpe[t] (T, C) when `wpe` is given (learned positions).
public func embeddingForward(_ out: UnsafeMutablePointer<Float>, _ tokens: UnsafePointer<Int32>,
                             _ wte: UnsafePointer<Float>, _ wpe: UnsafePointer<Float>?,
                             batch b: Int, tokens t: Int, channels c: Int, parallel: Parallel) {
    parallel.ranges(b * t, grain: 64) { rows in
        for r in rows {
            let dst = out + r * c
            let tok = wte + Int(tokens[r]) * c
            if let wpe {
                let pos = wpe + (r % t) * c
                for i in 0..<c { dst[i] = tok[i] + pos[i] }
            } else {
                dst.update(from: tok, count: c)
            }
        }
    }
}

/// dwte[tokens[r]] += dout[r]; dwpe[r % T] += dout[r]. Split over channels, not rows, so two rows
/// holding the same token never race and each sum keeps a fixed order.
public func embeddingBackward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>?,
                              dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
                              batch b: Int, tokens t: Int, channels c: Int, parallel: Parallel) {
    parallel.ranges(c, grain: 16, align: 8) { cols in
        for r in 0..<(b * t) {
            let g = dout + r * c
            let dt = dwte + Int(tokens[r]) * c
            for i in cols { dt[i] += g[i] }
            if let dwpe {
                let dp = dwpe + (r % t) * c
                for i in cols { dp[i] += g[i] }
            }
        }
    }
}
