import Foundation
import Kernels
import Model
import Support

/// Trains one model as `config` says and writes its run directory:
///
///     <dir>/config.yaml    the resolved config (every value explicit)
///     <dir>/metrics.csv    step, tokens, lr, train_loss, val_loss, grad_norm, seconds
///     <dir>/summary.json   final losses, parameter and FLOP counts, tokens, wall time, status
///
/// The loop reads in order: learning rate, evaluation when due, step (forward, backward, clip,
/// update), log. A non-finite loss or gradient ends the run with status `diverged` (parameters
/// untouched by the bad step) instead of crashing.
public func train(config: RunConfig, runDirectory dir: URL, events: (TrainingEvent) -> Void = { _ in }) throws -> RunSummary {
    try config.validate()
    let threads = config.resolvedThreads
    let data = try TokenData.load(config.data, vocabSize: config.model.vocabSize, context: config.model.context,
                                  threads: threads, log: { events(.message($0)) })
    let model = try TransformerLM(config: config.model, seed: config.seed, threads: threads)
    let t = config.training, ctx = config.model.context, rows = t.batchSize * ctx
    let optimizer = AdamW(layout: model.layout,
                          settings: AdamWSettings(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps)),
                          weightDecay: Float(t.weightDecay), decayEmbeddings: t.decayEmbeddings)
    let stepper = TrainingStep(model: model, optimizer: optimizer, gradClip: t.gradClip)
    let schedule = t.schedule.make(peak: t.lr, totalSteps: t.steps)

    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try AtomicFile.write(try config.yaml(), to: dir.appendingPathComponent("config.yaml"))
    // The run carries its tokenizer (tokenizer.json, vocab.json, merges.txt): export and sampling need nothing else.
    try data.tokenizer?.save(to: dir)
    let metrics = MetricsLog(url: dir.appendingPathComponent("metrics.csv"))
    var summary = RunSummary(config: config, accounting: model.accounting, trainTokensAvailable: data.train.count)
    let summaryURL = dir.appendingPathComponent("summary.json")
    try AtomicFile.write(try JSONOutput.encode(summary), to: summaryURL)

    // Buffers for one micro-batch, allocated once.
    let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
    let targets = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
    defer { inputs.deallocate(); targets.deallocate() }
    var sampler = BatchSampler(seed: config.seed &+ 0x5CA1_AB1E, batch: t.batchSize, context: ctx)
    let evalOffsets = evaluationOffsets(tokens: data.validation.count, context: ctx, count: t.evalBatches * t.batchSize)

    func evaluate() -> Double {
        data.validation.withUnsafeBufferPointer { val in
            var total = 0.0
            for first in stride(from: 0, to: evalOffsets.count, by: t.batchSize) {
                for (b, o) in evalOffsets[first..<(first + t.batchSize)].enumerated() {
                    (inputs + b * ctx).update(from: val.baseAddress! + o, count: ctx)
                    (targets + b * ctx).update(from: val.baseAddress! + o + 1, count: ctx)
                }
                total += model.forward(tokens: inputs, targets: targets, batch: t.batchSize)
            }
            return total / Double(t.evalBatches)
        }
    }

    events(.started(name: config.name, steps: t.steps, description: model.accounting.description))
    let clock = ContinuousClock(), start = clock.now
    func elapsed() -> Double {
        let d = clock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    var bestVal: Double? = nil
    var lastTrain: Double? = nil, lastVal: Double? = nil
    func recordEval(step: Int) -> Double {
        let v = evaluate()
        lastVal = v
        if v.isFinite { bestVal = min(bestVal ?? v, v) }
        events(.evaluated(step: step, valLoss: v))
        return v
    }
    metrics.append(step: 0, tokens: 0, lr: schedule.learningRate(step: 0), trainLoss: nil,
                   valLoss: recordEval(step: 0), gradNorm: nil, seconds: elapsed())
    try metrics.flush()

    let status: RunSummary.Status = try data.train.withUnsafeBufferPointer { train in
        for step in 1...t.steps {
            let lr = schedule.learningRate(step: step - 1)
            let result = stepper.step(batch: t.batchSize, microBatches: t.gradAccum, lr: lr, inputs: inputs, targets: targets) {
                _, inp, tgt in sampler.next(from: train, inputs: inp, targets: tgt)
            }
            lastTrain = result.loss
            let diverged = !result.loss.isFinite || !result.gradNorm.isFinite
            let evalDue = !diverged && (step % t.evalInterval == 0 || step == t.steps)
            let val = evalDue ? recordEval(step: step) : nil
            let seconds = elapsed()
            if diverged || evalDue || step % t.logInterval == 0 || step == t.steps {
                metrics.append(step: step, tokens: step * summary.tokensPerStep, lr: lr, trainLoss: result.loss,
                               valLoss: val, gradNorm: result.gradNorm, seconds: seconds)
                try metrics.flush()
            }
            events(.step(step: step, steps: t.steps, loss: result.loss, lr: lr,
                         tokensPerSecond: Double(step * summary.tokensPerStep) / max(seconds, 1e-9)))
            if diverged {
                summary.divergedAtStep = step
                summary.record(steps: step - 1, accounting: model.accounting, seconds: seconds)
                return .diverged
            }
            if evalDue || step % t.logInterval == 0 {
                summary.record(steps: step, accounting: model.accounting, seconds: seconds)
                summary.finalTrainLoss = lastTrain; summary.finalValLoss = lastVal; summary.bestValLoss = bestVal
                try AtomicFile.write(try JSONOutput.encode(summary), to: summaryURL, durable: false)
            }
        }
        summary.record(steps: t.steps, accounting: model.accounting, seconds: elapsed())
        return .finished
    }
    summary.status = status
    summary.finalTrainLoss = lastTrain; summary.finalValLoss = lastVal; summary.bestValLoss = bestVal
    try AtomicFile.write(try JSONOutput.encode(summary), to: summaryURL)
    events(.finished(summary))
    return summary
}
