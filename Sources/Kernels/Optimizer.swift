import Foundation

// AdamW and global-norm gradient clipping over flat parameter buffers.

/// AdamW hyper-parameters (Loshchilov & Hutter 2019), PyTorch's formulation.
public struct AdamWSettings: Sendable, Equatable {
    public var beta1: Float, beta2: Float, eps: Float
    public init(beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
    }
}

/// One AdamW update of `count` parameters at step `step` (1-based), as PyTorch does it:
///   p ← p · (1 − lr·wd)                                  (decoupled weight decay)
///   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
///   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
/// Pass weightDecay 0 for parameters that must not decay (norms, biases, embeddings by default).
public func adamwUpdate(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>,
                        m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
                        lr: Float, weightDecay: Float, step: Int, settings s: AdamWSettings, parallel: Parallel) {
    let c1 = 1 / (1 - powf(s.beta1, Float(step)))
    let c2 = 1 / (1 - powf(s.beta2, Float(step)))
    let decay = F8(repeating: 1 - lr * weightDecay)
    let b1 = F8(repeating: s.beta1), b2 = F8(repeating: s.beta2)
    let ob1 = F8(repeating: 1 - s.beta1), ob2 = F8(repeating: 1 - s.beta2)
    let lrc1 = F8(repeating: lr * c1), vc2 = F8(repeating: c2), eps = F8(repeating: s.eps)
    @inline(__always) func update(_ p: F8, _ g: F8, _ m0: F8, _ v0: F8) -> (F8, F8, F8) {
        let m1 = b1 * m0 + ob1 * g
        let v1 = b2 * v0 + ob2 * g * g
        let p1 = p * decay - lrc1 * m1 / ((v1 * vc2).squareRoot() + eps)
        return (p1, m1, v1)
    }
    parallel.ranges(count, grain: 1 << 16, align: 8) { range in
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let (p1, m1, v1) = update(load8(params + i), load8(grads + i), load8(m + i), load8(v + i))
            store8(params + i, p1); store8(m + i, m1); store8(v + i, v1)
            i += 8
        }
        while i < range.upperBound {
            let (p1, m1, v1) = update(F8(repeating: params[i]), F8(repeating: grads[i]),
                                      F8(repeating: m[i]), F8(repeating: v[i]))
            params[i] = p1[0]; m[i] = m1[0]; v[i] = v1[0]
            i += 1
        }
    }
}

/// The L2 norm of all gradients. Partial sums are taken over fixed 64K-element chunks in Double and
/// added in chunk order, so the value does not depend on the thread count.
public func globalNorm(_ grads: UnsafePointer<Float>, count: Int, parallel: Parallel) -> Double {
    let chunk = 1 << 16
    let chunks = (count + chunk - 1) / chunk
    // A few hundred doubles at most: a stack allocation, nothing on the heap inside a step.
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(chunks, 1)) { buffer in
    let partial = buffer.baseAddress!
    parallel.ranges(chunks) { range in
        for ci in range {
            let start = ci * chunk, n = Swift.min(chunk, count - start)
            var acc = F8(); var i = 0
            let g = grads + start
            while i + 8 <= n { let x = load8(g + i); acc += x * x; i += 8 }
            var s = Double(acc.sum())
            while i < n { s += Double(g[i] * g[i]); i += 1 }
            partial[ci] = s
        }
    }
    var total = 0.0
    for ci in 0..<chunks { total += partial[ci] }
    return total.squareRoot()
    }
}

/// Scales all gradients by maxNorm / norm when norm exceeds maxNorm (PyTorch's clip_grad_norm_).
public func clipGradients(_ grads: UnsafeMutablePointer<Float>, count: Int, norm: Double, maxNorm: Double,
                          parallel: Parallel) {
    guard maxNorm > 0, norm > maxNorm else { return }
    scale(grads, count: count, by: Float(maxNorm / (norm + 1e-6)), parallel: parallel)
}

/// x (N) *= factor
public func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float, parallel: Parallel) {
    let f = F8(repeating: factor)
    parallel.ranges(count, grain: 1 << 16, align: 8) { range in
        var i = range.lowerBound
        while i + 8 <= range.upperBound { store8(x + i, load8(x + i) * f); i += 8 }
        while i < range.upperBound { x[i] *= factor; i += 1 }
    }
}
