import Foundation
import Kernels
import Model
import Shards
import Support

/// How `train` starts and stops, beyond what the config says.
public struct TrainingOptions: Sendable {
    /// Stop after this step with a checkpoint and status `stopped` (a WSD trunk stops at its last
    /// branch point; tests use it to stand in for a crash).
    public var stopAfterStep: Int?
    /// Steps that get a checkpoint kept whatever `keep_checkpoints` says (a trunk's branch points).
    public var retainedSteps: Set<Int>
    /// A checkpoint of another run to start from when this run directory has none of its own
    /// (a WSD branch); see `Checkpoint.checkResumable` for what may differ.
    public var branchFrom: URL?
    /// Delete the directory's checkpoints and start from step 0.
    public var startOver: Bool
    /// Polled after every step: when it returns true the run writes a checkpoint and a summary
    /// with status `interrupted` and returns (the CLI wires it to SIGINT/SIGTERM/SIGHUP).
    public var stopRequested: (@Sendable () -> Bool)?

    public init(stopAfterStep: Int? = nil, retainedSteps: Set<Int> = [], branchFrom: URL? = nil, startOver: Bool = false,
                stopRequested: (@Sendable () -> Bool)? = nil) {
        self.stopAfterStep = stopAfterStep; self.retainedSteps = retainedSteps
        self.branchFrom = branchFrom; self.startOver = startOver; self.stopRequested = stopRequested
    }
}

/// Trains one model as `config` says and writes its run directory:
///
///     <dir>/config.yaml    the resolved config (every value explicit)
///     <dir>/metrics.csv    step, tokens, lr, train_loss, val_loss, grad_norm, seconds
///     <dir>/summary.json   final losses, parameter and FLOP counts, tokens, wall time, status
///     <dir>/checkpoints/   step-XXXXXXXX.safetensors every checkpoint_interval steps and at the end
///
/// A directory that holds a checkpoint is resumed from its newest valid one (corrupt ones are
/// skipped with a warning), and the rest of the run is bit for bit what an uninterrupted run
/// would have produced. The loop reads in order: learning rate, step (forward, backward, clip,
/// update), evaluation when due, log, checkpoint when due. A non-finite loss or gradient ends the
/// run with status `diverged` (parameters untouched by the bad step) instead of crashing.
public func train(config: RunConfig, runDirectory dir: URL, options: TrainingOptions = TrainingOptions(),
                  events: (TrainingEvent) -> Void = { _ in }) throws -> RunSummary {
    try config.validate()
    try config.checkFitsMemory()
    // One process per run directory: a second `train` (or a WSD branch) gets "in use by pid N".
    let existed = FileManager.default.fileExists(atPath: dir.path)
    let lock = try DirectoryLock(dir, purpose: "training \(config.name)")
    defer { withExtendedLifetime(lock) {} }
    // Bad input found before the run writes anything leaves no trace, not even the lock's directory.
    var writing = false
    defer { if !writing && !existed { try? FileManager.default.removeItem(at: dir) } }
    let store = CheckpointStore(runDirectory: dir)
    let origin = try startingPoint(config: config, directory: dir, store: store, options: options, events: events)
    if let origin, let done = completedRun(origin, directory: dir, config: config, options: options) {
        events(.message("\(dir.path) already ended at step \(done.steps) (\(done.status.rawValue)); nothing to do"))
        return done
    }
    let threads = config.resolvedThreads
    let data = try RunData.load(config.data, vocabSize: config.model.vocabSize, context: config.model.context,
                                threads: threads, log: { events(.message($0)) })
    let model = try TransformerLM(config: config.model, seed: config.seed, threads: threads)
    let t = config.training, ctx = config.model.context, rows = t.batchSize * ctx
    let optimizer = AdamW(layout: model.layout,
                          settings: AdamWSettings(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps)),
                          weightDecay: Float(t.weightDecay), decayEmbeddings: t.decayEmbeddings)
    let stepper = TrainingStep(model: model, optimizer: optimizer, gradClip: t.gradClip)
    let schedule = config.makeSchedule()
    // The one sampler: every training window comes from the loader, whose state is checkpointed.
    var loader = try BatchLoader(shard: data.train, batchSize: t.batchSize, contextLength: ctx,
                                 seed: config.seed &+ 0x5CA1_AB1E, order: config.data.sampling)

    // Start from step 0, or put back everything the checkpoint saved.
    var state = TrainingState(step: 0, optimizerStep: 0, loader: loader.state, metricsCSV: MetricsLog.header,
                              elapsedSeconds: 0)
    if let origin {
        try origin.checkpoint.restore(into: model, optimizer: optimizer)
        stepper.resume(stepCount: origin.checkpoint.state.optimizerStep)
        do {
            loader = try BatchLoader(shard: data.train, batchSize: t.batchSize, contextLength: ctx, restoring: origin.checkpoint.state.loader)
        } catch {
            throw ScaleLabError.data(path: origin.checkpoint.url.path, reason: "its sampler state does not fit this run's training tokens: \(error)")
        }
        state = origin.checkpoint.state
        if origin.isBranchPoint {
            state.branch = BranchInfo(trunkCheckpoint: origin.checkpoint.url, branchedAtStep: state.step, totalSteps: t.steps,
                                      tokensPerStep: config.tokensPerStep, accounting: model.accounting)
        }
    }
    writing = true
    if options.startOver { try store.removeAll() }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    store.removeTemporaryFiles()
    try AtomicFile.write(try config.yaml(), to: dir.appendingPathComponent("config.yaml"))
    // The run carries its tokenizer (tokenizer.json, vocab.json, merges.txt): export and sampling need nothing else.
    try data.tokenizer?.save(to: dir)
    let metrics = origin == nil ? MetricsLog(url: dir.appendingPathComponent("metrics.csv"))
                                : MetricsLog(url: dir.appendingPathComponent("metrics.csv"), restoring: state.metricsCSV)
    var summary = RunSummary(config: config, accounting: model.accounting, trainTokensAvailable: data.train.count,
                             validationTokens: data.validation.count, validationBytes: data.validationBytes)
    summary.validationUnigramEntropy = data.validation.unigramEntropyNats()
    summary.branch = state.branch
    let summaryURL = dir.appendingPathComponent("summary.json")
    try AtomicFile.write(try JSONOutput.encode(summary), to: summaryURL)

    // Buffers for one micro-batch, allocated once.
    let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
    let targets = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
    defer { inputs.deallocate(); targets.deallocate() }
    let evalOffsets = evaluationOffsets(tokens: data.validation.count, context: ctx, count: t.evalBatches * t.batchSize)

    events(.started(name: config.name, steps: t.steps, description: model.accounting.description))
    if let origin { events(.resumed(step: state.step, checkpoint: origin.checkpoint.url.path)) }
    let clock = ContinuousClock(), start = clock.now, secondsBefore = state.elapsedSeconds
    func elapsed() -> Double {
        let d = clock.now - start
        return secondsBefore + Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    var bestVal = state.bestValLoss, lastTrain = state.lastTrainLoss, lastVal = state.lastValLoss
    func recordEval(step: Int) -> Double {
        let v = meanLoss(model: model, tokens: data.validation, offsets: evalOffsets, batch: t.batchSize, inputs: inputs, targets: targets)
        lastVal = v
        if v.isFinite { bestVal = min(bestVal ?? v, v) }
        events(.evaluated(step: step, valLoss: v))
        return v
    }
    func saveCheckpoint(step: Int) throws {
        let now = TrainingState(step: step, optimizerStep: stepper.stepCount, loader: loader.state,
                                metricsCSV: metrics.text, bestValLoss: bestVal, lastTrainLoss: lastTrain,
                                lastValLoss: lastVal, elapsedSeconds: elapsed(), branch: state.branch)
        try Checkpoint.write(model: model, optimizer: optimizer, config: config, state: now,
                             nextLR: schedule.learningRate(step: step), to: store.url(step: step))
        store.prune(keep: t.keepCheckpoints, retaining: options.retainedSteps)
    }
    func checkpointDue(_ step: Int) -> Bool {
        step % t.checkpointInterval == 0 || step == t.steps || step == options.stopAfterStep || options.retainedSteps.contains(step)
    }

    if origin == nil {
        metrics.append(step: 0, tokens: 0, lr: schedule.learningRate(step: 0), trainLoss: nil,
                       valLoss: recordEval(step: 0), gradNorm: nil, seconds: elapsed())
    }
    try metrics.flush()

    let status: RunSummary.Status = try {
        for step in stride(from: state.step + 1, through: t.steps, by: 1) {
            let lr = schedule.learningRate(step: step - 1)
            let result = stepper.step(batch: t.batchSize, microBatches: t.gradAccum, lr: lr, inputs: inputs, targets: targets) {
                _, inp, tgt in loader.next(inputs: inp, targets: tgt)
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
                summary.record(steps: step - 1, accounting: model.accounting, seconds: seconds, sampler: loader.state)
                return .diverged
            }
            if evalDue || step % t.logInterval == 0 {
                summary.record(steps: step, accounting: model.accounting, seconds: seconds, sampler: loader.state)
                summary.recordLosses(train: lastTrain, validation: lastVal, best: bestVal)
                try AtomicFile.write(try JSONOutput.encode(summary), to: summaryURL, durable: false)
            }
            if checkpointDue(step) { try saveCheckpoint(step: step) }
            if step == options.stopAfterStep && step < t.steps {
                summary.record(steps: step, accounting: model.accounting, seconds: elapsed(), sampler: loader.state)
                return .stopped
            }
            if step < t.steps, options.stopRequested?() == true {
                if !checkpointDue(step) { try saveCheckpoint(step: step) }
                summary.record(steps: step, accounting: model.accounting, seconds: elapsed(), sampler: loader.state)
                return .interrupted
            }
        }
        summary.record(steps: t.steps, accounting: model.accounting, seconds: elapsed(), sampler: loader.state)
        return .finished
    }()
    summary.status = status
    summary.recordLosses(train: lastTrain, validation: lastVal, best: bestVal)
    try AtomicFile.write(try JSONOutput.encode(summary), to: summaryURL)
    events(.finished(summary))
    return summary
}

/// The summary of a run that has nothing left to do — its own newest checkpoint is at its last step
/// (or at `stopAfterStep`) and summary.json agrees — so that re-running a finished command changes
/// no file. Nil when there is work left or the summary cannot be trusted (then the run is resumed
/// from its checkpoint as usual, which rewrites the summary).
func completedRun(_ origin: StartingPoint, directory dir: URL, config: RunConfig, options: TrainingOptions) -> RunSummary? {
    let step = origin.checkpoint.state.step
    guard !origin.isBranchPoint, !options.startOver, step == config.training.steps || step == options.stopAfterStep,
          let data = FileManager.default.contents(atPath: dir.appendingPathComponent("summary.json").path) else { return nil }
    let decoder = JSONOutput.decoder()
    guard let summary = try? decoder.decode(RunSummary.self, from: data), summary.steps == step,
          summary.status == (step == config.training.steps ? .finished : .stopped) else { return nil }
    return summary
}

/// The checkpoint a run continues from, and whether it is a WSD branch point (another run's).
struct StartingPoint { let checkpoint: Checkpoint; let isBranchPoint: Bool }

/// Decides, before anything is written, where a run starts: its own newest valid checkpoint, else
/// `options.branchFrom`, else step 0. Refuses a checkpoint saved under a different config, and a
/// directory that holds a different run with nothing to resume.
func startingPoint(config: RunConfig, directory dir: URL, store: CheckpointStore, options: TrainingOptions,
                   events: (TrainingEvent) -> Void) throws -> StartingPoint? {
    if options.startOver {
        guard let from = options.branchFrom else { return nil }
        let c = try Checkpoint.read(from)
        try c.checkResumable(by: config)
        return StartingPoint(checkpoint: c, isBranchPoint: true)
    }
    if let own = store.newestValid(warn: { events(.warning($0)) }) {
        try own.checkResumable(by: config)
        return StartingPoint(checkpoint: own, isBranchPoint: false)
    }
    let savedConfig = dir.appendingPathComponent("config.yaml")
    if let saved = FileManager.default.contents(atPath: savedConfig.path), String(decoding: saved, as: UTF8.self) != (try config.yaml()) {
        throw ScaleLabError.invalid("\(dir.path) holds a run with a different config and no checkpoint to resume; start over with --force or choose another run directory")
    }
    guard let from = options.branchFrom else { return nil }
    let c = try Checkpoint.read(from)
    try c.checkResumable(by: config)
    return StartingPoint(checkpoint: c, isBranchPoint: true)
}
