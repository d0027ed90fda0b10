import Foundation

/// Fused softmax + cross-entropy over the vocabulary, forward and backward in one pass over the
/// logits: losses (R) receive −log softmax(logits)[target], and `logits` (R, V) is overwritten
/// *in place* by dlogits = (softmax − onehot(target)) · gradScale. No probability buffer exists
/// besides the logits themselves.
///
/// Returns the sum of the row losses (Double, summed in row order: deterministic).
@discardableResult
public func crossEntropyForwardBackward(logits: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
                                        targets: UnsafePointer<Int32>, rows: Int, vocab v: Int,
                                        gradScale: Float, parallel: Parallel) -> Double {
    parallel.ranges(rows, grain: 4) { range in
        for r in range {
            let row = logits + r * v, target = Int(targets[r])
            let targetLogit = row[target]
            let (m, sum) = expInPlace(row, v)
            losses[r] = m + Foundation.log(sum) - targetLogit
            let inv = gradScale / sum, iv = F8(repeating: inv)
            var j = 0
            while j + 8 <= v { store8(row + j, load8(row + j) * iv); j += 8 }
            while j < v { row[j] *= inv; j += 1 }
            row[target] -= gradScale
        }
    }
    var total = 0.0
    for r in 0..<rows { total += Double(losses[r]) }
    return total
}

/// Forward only, for evaluation: losses (R) = −log softmax(logits)[target]; `logits` is clobbered
/// (holds exp(logit − max) on return). Returns the sum of the row losses.
@discardableResult
public func crossEntropyForward(losses: UnsafeMutablePointer<Float>, logits: UnsafeMutablePointer<Float>,
                                targets: UnsafePointer<Int32>, rows: Int, vocab v: Int, parallel: Parallel) -> Double {
    parallel.ranges(rows, grain: 4) { range in
        for r in range {
            let row = logits + r * v
            let targetLogit = row[Int(targets[r])]
            let (m, sum) = expInPlace(row, v)
            losses[r] = m + Foundation.log(sum) - targetLogit
        }
    }
    var total = 0.0
    for r in 0..<rows { total += Double(losses[r]) }
    return total
}
