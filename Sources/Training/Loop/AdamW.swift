import Kernels
import Model

/// AdamW state for a model: first and second moments in the parameter layout, and the tensors
/// grouped into contiguous runs that share a weight-decay setting, so an update is a handful of
/// kernel calls rather than one per tensor.
public final class AdamW {
    public let m: UnsafeMutableBufferPointer<Float>
    public let v: UnsafeMutableBufferPointer<Float>
    public let settings: AdamWSettings
    public let weightDecay: Float
    /// (offset, count, decayed) runs covering the whole layout.
    public let segments: [(offset: Int, count: Int, decayed: Bool)]

    public init(layout: ParameterLayout, settings: AdamWSettings, weightDecay: Float, decayEmbeddings: Bool) {
        m = .allocate(capacity: layout.count); m.initialize(repeating: 0)
        v = .allocate(capacity: layout.count); v.initialize(repeating: 0)
        self.settings = settings; self.weightDecay = weightDecay
        var runs: [(offset: Int, count: Int, decayed: Bool)] = []
        for t in layout.tensors {
            let decayed = t.role == .matrix || (decayEmbeddings && t.role == .embedding)
            if let last = runs.last, last.decayed == decayed, last.offset + last.count == t.offset {
                runs[runs.count - 1].count += t.count
            } else {
                runs.append((t.offset, t.count, decayed))
            }
        }
        segments = runs
    }

    deinit { m.deallocate(); v.deallocate() }

    /// One update at optimizer step `step` (1-based).
    public func update(params: UnsafeMutableBufferPointer<Float>, grads: UnsafeMutableBufferPointer<Float>,
                       lr: Float, step: Int, parallel: Parallel) {
        for s in segments {
            adamwUpdate(params: params.baseAddress! + s.offset, grads: grads.baseAddress! + s.offset,
                        m: m.baseAddress! + s.offset, v: v.baseAddress! + s.offset, count: s.count, lr: lr,
                        weightDecay: s.decayed ? weightDecay : 0, step: step, settings: settings, parallel: parallel)
        }
    }
}

/// One optimizer step of a model: forward and backward over each micro-batch, global-norm
/// clipping, AdamW. Shared by the trainer and the benchmark, so the benchmark times exactly what
/// training runs.
public final class TrainingStep {
    public let model: TransformerLM
    public let optimizer: AdamW
    public let gradClip: Double
    public private(set) var stepCount = 0

    public init(model: TransformerLM, optimizer: AdamW, gradClip: Double) {
        self.model = model; self.optimizer = optimizer; self.gradClip = gradClip
    }

    /// Continues from a checkpoint: the next update is optimizer step `stepCount + 1`, so AdamW's
    /// bias correction picks up where it stopped.
    public func resume(stepCount: Int) { self.stepCount = stepCount }

    public struct Result: Sendable { public let loss: Double; public let gradNorm: Double }

    /// Runs one step; `fill(micro, inputs, targets)` writes micro-batch `micro`'s tokens. When the
    /// loss or gradient is not finite the parameters are left untouched.
    public func step(batch: Int, microBatches: Int, lr: Double, inputs: UnsafeMutablePointer<Int32>,
                     targets: UnsafeMutablePointer<Int32>,
                     fill: (Int, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Void) -> Result {
        let rows = batch * model.config.context
        let scale = 1 / Float(rows * microBatches)
        let prof = model.profile
        prof.time(.zeroGradients, .update) { model.zeroGradients() }
        var loss = 0.0
        for micro in 0..<microBatches {
            fill(micro, inputs, targets)
            loss += model.forward(tokens: inputs, targets: targets, batch: batch, training: true, gradScale: scale)
            model.backward(tokens: inputs, batch: batch)
        }
        loss /= Double(microBatches)
        var norm = 0.0
        prof.time(.gradientNorm, .update) { norm = globalNorm(model.grads.baseAddress!, count: model.grads.count, parallel: model.parallel) }
        guard loss.isFinite, norm.isFinite else { return Result(loss: loss, gradNorm: norm) }
        prof.time(.gradientNorm, .update) {
            clipGradients(model.grads.baseAddress!, count: model.grads.count, norm: norm, maxNorm: gradClip,
                          parallel: model.parallel)
        }
        stepCount += 1
        prof.time(.optimizer, .update) {
            optimizer.update(params: model.params, grads: model.grads, lr: Float(lr), step: stepCount, parallel: model.parallel)
        }
        return Result(loss: loss, gradNorm: norm)
    }
}
