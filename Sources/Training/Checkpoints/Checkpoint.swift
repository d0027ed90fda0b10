import Foundation
import Model
import Shards
import Support

/// Where the training loop stands after a completed step: with the parameters and AdamW moments,
/// everything needed to continue so exactly that the rest of `metrics.csv` comes out byte for byte
/// as if the run had never stopped.
public struct TrainingState: Sendable, Equatable {
    /// Completed optimizer steps; also the schedule position (the next step uses lr(step)).
    public var step: Int
    /// AdamW's step counter, for bias correction.
    public var optimizerStep: Int
    /// The batch loader's state: the position in the stream of training windows, with its
    /// unique/repeated token counts.
    public var loader: BatchLoaderState
    /// `metrics.csv` as written up to `step`.
    public var metricsCSV: String
    public var bestValLoss: Double?
    public var lastTrainLoss: Double?
    public var lastValLoss: Double?
    /// Wall time spent so far, so the seconds column continues across a resume.
    public var elapsedSeconds: Double
    /// Set when the run is a WSD branch.
    public var branch: BranchInfo?
}

/// A training checkpoint, `checkpoints/step-XXXXXXXX.safetensors` in a run directory. A
/// safetensors file holding, as F32 tensors named by `ParameterLayout`:
///
///     params.<name>   the parameters      (e.g. params.layers.0.attn.qkv.weight)
///     adam_m.<name>   AdamW first moment
///     adam_v.<name>   AdamW second moment
///
/// and in `__metadata__` (all strings): `scalelab.config` (the resolved config as JSON, which keeps
/// every Double exact), `scalelab.step`,
/// `scalelab.optimizer_step`, `scalelab.loader_state` (the batch loader's state as JSON), `scalelab.next_lr`
/// (the schedule's rate for the next step, informative), the losses as IEEE-754 bit patterns in hex
/// (exact), `scalelab.elapsed_seconds`, `scalelab.metrics_csv`, `scalelab.branch` (JSON, branches
/// only), and `content_hash` (FNV-1a 64 of the file, verified on load).
public struct Checkpoint {
    public let url: URL
    public let config: RunConfig
    public let state: TrainingState
    public let file: Safetensors.File

    /// Version 2: the sampler state is the batch loader's (version 1 held a bare generator state).
    public static let format = "scalelab-checkpoint-2"

    /// Writes atomically (temporary file, fsync, rename): a crash leaves the old set of checkpoints
    /// and at worst a stray temporary file, never a partial checkpoint under the final name.
    public static func write(model: TransformerLM, optimizer: AdamW, config: RunConfig, state: TrainingState,
                             nextLR: Double, to url: URL) throws {
        let layout = model.layout
        var tensors: [Safetensors.Tensor] = []
        for (prefix, buffer) in [("params", model.params), ("adam_m", optimizer.m), ("adam_v", optimizer.v)] {
            for t in layout.tensors {
                tensors.append(.init(name: "\(prefix).\(t.name)", shape: t.shape,
                                     data: UnsafeBufferPointer(rebasing: buffer[t.offset..<(t.offset + t.count)])))
            }
        }
        var meta: [String: String] = [
            "format": "pt",
            "scalelab.format": format,
            "scalelab.config": String(decoding: try JSONOutput.encode(config), as: UTF8.self),
            "scalelab.step": String(state.step),
            "scalelab.optimizer_step": String(state.optimizerStep),
            "scalelab.loader_state": try JSONOutput.string(state.loader),
            "scalelab.next_lr": String(format: "%.17g", nextLR),
            "scalelab.best_val_loss": bits(state.bestValLoss),
            "scalelab.last_train_loss": bits(state.lastTrainLoss),
            "scalelab.last_val_loss": bits(state.lastValLoss),
            "scalelab.elapsed_seconds": bits(state.elapsedSeconds),
            "scalelab.metrics_csv": state.metricsCSV,
        ]
        if let branch = state.branch { meta["scalelab.branch"] = try JSONOutput.string(branch) }
        try AtomicFile.write(try Safetensors.encode(tensors, metadata: meta, hashed: true), to: url)
    }

    /// Reads and verifies a checkpoint: structure, content hash, and metadata.
    public static func read(_ url: URL) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ScaleLabError.io(path: url.path, reason: "cannot read the checkpoint")
        }
        return try decode(data, url: url, verifyHash: true)
    }

    /// A checkpoint's bytes, checked as `read` says (`verifyHash: false` for the fuzzer only).
    static func decode(_ data: Data, url: URL, verifyHash: Bool) throws -> Checkpoint {
        let file = try Safetensors.decode(data, source: url.path, requireHash: true, verifyHash: verifyHash)
        let m = file.metadata
        func bad(_ reason: String) -> ScaleLabError { .data(path: url.path, reason: reason) }
        guard m["scalelab.format"] == format else { throw bad("not a ScaleLab checkpoint (scalelab.format is \(m["scalelab.format"] ?? "missing"))") }
        func field(_ key: String) throws -> String {
            guard let v = m["scalelab.\(key)"] else { throw bad("metadata scalelab.\(key) is missing") }
            return v
        }
        func int(_ key: String) throws -> Int {
            guard let v = Int(try field(key)) else { throw bad("metadata scalelab.\(key) is not an integer") }
            return v
        }
        func double(_ key: String) throws -> Double? {
            let s = try field(key)
            if s.isEmpty { return nil }
            guard let b = UInt64(s, radix: 16) else { throw bad("metadata scalelab.\(key) is not a hex bit pattern") }
            return Double(bitPattern: b)
        }
        let config: RunConfig
        do {
            config = try JSONDecoder().decode(RunConfig.self, from: Data(try field("config").utf8))
            try config.validate()
        } catch {
            throw bad("metadata scalelab.config is not a valid run config: \(error)")
        }
        let loader: BatchLoaderState
        do { loader = try JSONDecoder().decode(BatchLoaderState.self, from: Data(try field("loader_state").utf8)) } catch {
            throw bad("metadata scalelab.loader_state is not a batch loader state")
        }
        guard loader.windowsServed >= 0, loader.tokensServed >= 0, loader.uniqueTokensServed >= 0,
              loader.uniqueTokensServed <= loader.tokensServed, loader.epoch >= 0, loader.windowInEpoch >= 0 else {
            throw bad("metadata scalelab.loader_state holds negative or inconsistent counts")
        }
        let branch: BranchInfo?
        do { branch = try m["scalelab.branch"].map { try JSONDecoder().decode(BranchInfo.self, from: Data($0.utf8)) } } catch {
            throw bad("metadata scalelab.branch is not a branch record")
        }
        let state = TrainingState(step: try int("step"), optimizerStep: try int("optimizer_step"), loader: loader,
                                  metricsCSV: try field("metrics_csv"), bestValLoss: try double("best_val_loss"),
                                  lastTrainLoss: try double("last_train_loss"), lastValLoss: try double("last_val_loss"),
                                  elapsedSeconds: try double("elapsed_seconds") ?? 0, branch: branch)
        guard state.step >= 0, state.step <= config.training.steps, state.optimizerStep >= 0 else {
            throw bad("metadata scalelab.step \(state.step) / optimizer_step \(state.optimizerStep) lie outside the run's 0...\(config.training.steps) steps")
        }
        // The sampler served exactly B·accum windows of T tokens per step: restoring replays that
        // many draws, so a hostile count must not reach the replay loop.
        let windows = state.step * config.training.batchSize * config.training.gradAccum
        guard loader.windowsServed == windows, loader.tokensServed == windows * config.model.context else {
            throw bad("metadata scalelab.loader_state served \(loader.windowsServed) windows (\(loader.tokensServed) tokens); \(state.step) steps take \(windows)")
        }
        try checkMetrics(state.metricsCSV, step: state.step, bad: bad)
        // Exactly the tensors the config's model has, each with its shape: a checkpoint is never
        // half-trusted (a missing or extra tensor means it was not written by this program).
        let layout = ParameterLayout(config.model)
        var expected: [String: [Int]] = [:]
        for prefix in ["params", "adam_m", "adam_v"] { for t in layout.tensors { expected["\(prefix).\(t.name)"] = t.shape } }
        for (name, t) in file.tensors {
            guard let shape = expected[name] else { throw bad("tensor '\(name)' is not part of the model in scalelab.config") }
            guard shape == t.shape else { throw bad("tensor '\(name)' has shape \(t.shape), the config's model needs \(shape)") }
        }
        if let missing = expected.keys.sorted().first(where: { file.tensors[$0] == nil }) { throw bad("tensor '\(missing)' is missing") }
        return Checkpoint(url: url, config: config, state: state, file: file)
    }

    /// The saved `metrics.csv` text must be what `MetricsLog` writes: its header, then rows of seven
    /// fields with increasing steps up to the checkpoint's — otherwise resuming would continue a
    /// garbage log.
    static func checkMetrics(_ text: String, step: Int, bad: (String) -> ScaleLabError) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == MetricsLog.header, text.hasSuffix("\n") else {
            throw bad("metadata scalelab.metrics_csv does not start with the metrics.csv header")
        }
        var previous = -1
        for (i, line) in lines.dropFirst().dropLast().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 7, let s = Int(fields[0]), s > previous, s <= step,
                  fields.dropFirst().allSatisfy({ $0.isEmpty || Double($0) != nil }) else {
                throw bad("metadata scalelab.metrics_csv row \(i + 1) is not a metrics row with increasing steps up to \(step)")
            }
            previous = s
        }
    }

    /// Copies the parameters (and, given an optimizer, its moments) into a model built from this
    /// checkpoint's model config.
    public func restore(into model: TransformerLM, optimizer: AdamW? = nil) throws {
        guard model.config == config.model else {
            throw ScaleLabError.invalid("\(url.path): the checkpoint's model config differs from the model it is loaded into")
        }
        var targets = [("params", model.params)]
        if let optimizer { targets += [("adam_m", optimizer.m), ("adam_v", optimizer.v)] }
        for (prefix, buffer) in targets {
            for t in model.layout.tensors {
                try file.copy("\(prefix).\(t.name)", shape: t.shape, into: buffer.baseAddress! + t.offset, source: url.path)
            }
        }
    }

    /// A model built from the checkpoint's config holding its parameters.
    public func loadModel(threads: Int) throws -> TransformerLM {
        // The parameters must fit before they are allocated (the checkpoint may come from a bigger machine).
        let need = try config.memoryEstimate(threads: threads).parameterBytes
        guard UInt64(need) <= ProcessInfo.processInfo.physicalMemory else {
            throw ScaleLabError.data(path: url.path, reason: "its model needs \(need >> 20) MiB for parameters, more than this machine's \(ProcessInfo.processInfo.physicalMemory >> 20) MiB")
        }
        let model = try TransformerLM(config: config.model, seed: config.seed, threads: threads)
        try restore(into: model)
        return model
    }

    /// Throws unless `config` may continue from this checkpoint and reproduce, bit for bit, the run
    /// it was saved from: every value must match except `name`, `training.checkpoint_interval` and
    /// `training.keep_checkpoints`. `training.steps` may differ only when the run it came from had
    /// not finished and the learning rate of every step already taken is the same under both
    /// lengths — true of WSD and the power scheduler before their decay, which is what branching uses.
    public func checkResumable(by config: RunConfig) throws {
        let ignored: Set<String> = ["name", "training.checkpoint_interval", "training.keep_checkpoints", "training.steps"]
        let diffs = try self.config.differences(from: config).filter { !ignored.contains($0.key) }
        let listed = diffs.map { "\($0.key): \($0.this) in the checkpoint, \($0.other) now" }.joined(separator: "; ")
        if diffs.contains(where: { $0.key.hasPrefix("model.") }) {
            throw ScaleLabError.invalid("\(url.path) was written for a different model config (\(listed)); start over with --force or choose another run directory")
        }
        if !diffs.isEmpty {
            throw ScaleLabError.invalid("\(url.path) was written with a different config (\(listed)); resuming would not reproduce the run. Start over with --force or choose another run directory")
        }
        let (old, new) = (self.config.training.steps, config.training.steps)
        guard old != new else { return }
        guard state.step < old else {
            throw ScaleLabError.invalidValue(key: "training.steps", reason: "the run in \(url.deletingLastPathComponent().path) finished at step \(old); a finished run cannot be extended to \(new) steps")
        }
        guard state.step <= new else {
            throw ScaleLabError.invalidValue(key: "training.steps", reason: "\(new) steps is shorter than the \(state.step) steps already taken in \(url.path)")
        }
        let a = self.config.makeSchedule(), b = config.makeSchedule()
        if let s = (0..<state.step).first(where: { a.learningRate(step: $0) != b.learningRate(step: $0) }) {
            throw ScaleLabError.invalidValue(key: "training.steps", reason: "changing the run length from \(old) to \(new) steps changes the learning rate of step \(s + 1), already taken in \(url.path) (a \(config.training.schedule.kind.rawValue) schedule depends on the length; wsd and power do not before their decay)")
        }
    }

    private static func bits(_ x: Double?) -> String { x.map { String($0.bitPattern, radix: 16) } ?? "" }
}

/// The checkpoints of one run directory: `checkpoints/step-XXXXXXXX.safetensors`.
public struct CheckpointStore: Sendable {
    public let directory: URL

    public init(runDirectory: URL) { directory = runDirectory.appendingPathComponent("checkpoints") }

    public func url(step: Int) -> URL {
        directory.appendingPathComponent(String(format: "step-%08d.safetensors", step))
    }

    /// Steps that have a checkpoint file, ascending.
    public func steps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors") else { return nil }
            return Int(name.dropFirst(5).dropLast(12))
        }.sorted()
    }

    /// The newest checkpoint that reads and verifies; corrupt or truncated ones are reported through
    /// `warn` and skipped in favour of the one before.
    public func newestValid(warn: (String) -> Void) -> Checkpoint? {
        for step in steps().reversed() {
            do { return try Checkpoint.read(url(step: step)) } catch {
                warn("skipping checkpoint \(url(step: step).path): \(error)")
            }
        }
        return nil
    }

    /// Deletes all but the newest `keep` checkpoints, sparing the steps in `retained`.
    public func prune(keep: Int, retaining retained: Set<Int>) {
        let candidates = steps().filter { !retained.contains($0) }
        for step in candidates.dropLast(keep) { try? FileManager.default.removeItem(at: url(step: step)) }
    }

    /// Removes the temporary files (`AtomicFile`'s `.<name>.tmp-<pid>-…`) that a process killed in
    /// the middle of a write left behind, in the checkpoint directory and the run directory above it.
    public func removeTemporaryFiles() {
        for dir in [directory, directory.deletingLastPathComponent()] { AtomicFile.removeStaleTemporaries(in: dir) }
    }

    public func removeAll() throws {
        if FileManager.default.fileExists(atPath: directory.path) { try FileManager.default.removeItem(at: directory) }
    }
}
