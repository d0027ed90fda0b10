import Model
import Shards

/// Offsets of the fixed validation windows: `count` windows spread evenly over the split, so every
/// evaluation sees the same tokens and covers the whole split.
public func evaluationOffsets(tokens: Int, context: Int, count: Int) -> [Int] {
    let last = tokens - context - 1
    guard count > 1 else { return [0] }
    return (0..<count).map { last * $0 / (count - 1) }
}

/// Mean next-token cross-entropy (nats) of `model` over fixed windows of `tokens`: window i is
/// tokens[o..<o+T] predicting tokens[o+1...o+T] with o = offsets[i] and T = context, run `batch`
/// windows at a time (`offsets.count` must be a multiple of `batch`). This is the validation loss
/// of `metrics.csv` when given the run's validation split and `evaluationOffsets`. `inputs` and
/// `targets` are scratch buffers of batch·T tokens; forward only, nothing allocated.
public func meanLoss(model: TransformerLM, tokens: TokenShard, offsets: [Int], batch: Int,
                     inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) -> Double {
    precondition(offsets.count % batch == 0, "meanLoss: \(offsets.count) windows are not whole batches of \(batch)")
    let ctx = model.config.context
    var total = 0.0
    for first in stride(from: 0, to: offsets.count, by: batch) {
        for (b, o) in offsets[first..<(first + batch)].enumerated() {
            tokens.copy(from: o, count: ctx, into: inputs + b * ctx)
            tokens.copy(from: o + 1, count: ctx, into: targets + b * ctx)
        }
        total += model.forward(tokens: inputs, targets: targets, batch: batch)
    }
    return total / Double(offsets.count / batch)
}

/// `meanLoss` with its own scratch buffers.
public func meanLoss(model: TransformerLM, tokens: TokenShard, offsets: [Int], batch: Int) -> Double {
    let n = batch * model.config.context
    let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: n), targets = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    defer { inputs.deallocate(); targets.deallocate() }
    return meanLoss(model: model, tokens: tokens, offsets: offsets, batch: batch, inputs: inputs, targets: targets)
}
