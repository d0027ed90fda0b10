// MLP activations: GELU (tanh form, as GPT-2) and SwiGLU (as Llama).

// GELU_tanh(x) = ½x(1 + tanh(z)), z = √(2/π)(x + 0.044715x³). Since ½(1 + tanh z) = σ(2z), this is
// x·σ(2z), one exp per element instead of a tanh.
private let geluK: Float = 0.797_884_56 * 2  // 2·√(2/π)
private let geluA: Float = 0.044_715

/// out (N) = GELU_tanh(x)
public func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
                        parallel: Parallel) {
    parallel.ranges(count, grain: 1 << 15, align: 8) { range in
        var i = range.lowerBound
        let k = F8(repeating: geluK), a = F8(repeating: geluA)
        while i + 8 <= range.upperBound {
            let v = load8(x + i)
            let z: F8 = k * (v + a * v * v * v)
            store8(out + i, v * sigmoid8(z))
            i += 8
        }
        while i < range.upperBound {
            let v = F8(repeating: x[i])
            let z: F8 = k * (v + a * v * v * v)
            out[i] = (v * sigmoid8(z))[0]
            i += 1
        }
    }
}

/// dx (N) = dout · GELU'(x), with GELU'(x) = s + x·s(1−s)·2z'(x), s = σ(2z), 2z' = k(1 + 3a·x²).
public func geluBackward(dx: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                         x: UnsafePointer<Float>, count: Int, parallel: Parallel) {
    @inline(__always) func grad(_ v: F8, _ g: F8) -> F8 {
        let k = F8(repeating: geluK), a = F8(repeating: geluA)
        let v2 = v * v
        let s = sigmoid8(k * (v + a * v2 * v))
        let dz: F8 = k * (1 + 3 * a * v2)
        let ds: F8 = v * s * (1 - s) * dz
        return g * (s + ds)
    }
    parallel.ranges(count, grain: 1 << 15, align: 8) { range in
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            store8(dx + i, grad(load8(x + i), load8(dout + i)))
            i += 8
        }
        while i < range.upperBound {
            dx[i] = grad(F8(repeating: x[i]), F8(repeating: dout[i]))[0]
            i += 1
        }
    }
}

/// out (R, H) = SiLU(gate) · up, where each row of `x` (R, 2H) holds [gate (H) | up (H)]: the
/// gate and up projections run as one fused GEMM.
public func swigluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                          rows: Int, hidden h: Int, parallel: Parallel) {
    parallel.ranges(rows, grain: 16) { range in
        for r in range {
            let gate = x + r * 2 * h, up = gate + h, o = out + r * h
            var i = 0
            while i + 8 <= h {
                let g = load8(gate + i)
                store8(o + i, g * sigmoid8(g) * load8(up + i))
                i += 8
            }
            while i < h {
                let g = F8(repeating: gate[i])
                o[i] = (g * sigmoid8(g))[0] * up[i]
                i += 1
            }
        }
    }
}

/// dx (R, 2H): d gate = dout · up · SiLU'(gate), d up = dout · SiLU(gate), with
/// SiLU'(g) = s + g·s(1−s), s = σ(g).
public func swigluBackward(dx: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                           x: UnsafePointer<Float>, rows: Int, hidden h: Int, parallel: Parallel) {
    @inline(__always) func grads(_ g: F8, _ u: F8, _ d: F8) -> (F8, F8) {
        let s = sigmoid8(g)
        return (d * u * (s + g * s * (1 - s)), d * g * s)
    }
    parallel.ranges(rows, grain: 16) { range in
        for r in range {
            let gate = x + r * 2 * h, up = gate + h, g = dout + r * h
            let dgate = dx + r * 2 * h, dup = dgate + h
            var i = 0
            while i + 8 <= h {
                let (a, b) = grads(load8(gate + i), load8(up + i), load8(g + i))
                store8(dgate + i, a); store8(dup + i, b)
                i += 8
            }
            while i < h {
                let (a, b) = grads(F8(repeating: gate[i]), F8(repeating: up[i]), F8(repeating: g[i]))
                dgate[i] = a[0]; dup[i] = b[0]
                i += 1
            }
        }
    }
}

// MARK: - residual

/// out (N) = a + b. Its backward is the identity into both branches: the model passes the
/// residual stream's gradient on unchanged and the norms accumulate into it.
public func residualForward(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                            _ b: UnsafePointer<Float>, count: Int, parallel: Parallel) {
    parallel.ranges(count, grain: 1 << 16, align: 8) { range in
        var i = range.lowerBound
        while i + 8 <= range.upperBound { store8(out + i, load8(a + i) + load8(b + i)); i += 8 }
        while i < range.upperBound { out[i] = a[i] + b[i]; i += 1 }
    }
}
