import Foundation
import Model
import Support
import Yams

/// Everything that defines a training run. A config file may leave out anything with a default;
/// the run directory's `config.yaml` is this struct encoded back, every value explicit.
public struct RunConfig: Codable, Sendable, Equatable {
    public var name: String
    public var seed: UInt64 = 1337
    /// Worker threads; 0 picks the machine's core count.
    public var threads: Int = 0
    public var model: ModelConfig
    public var data: DataConfig
    public var training: OptimConfig

    enum CodingKeys: String, CodingKey, CaseIterable { case name, seed, threads, model, data, training }

    public init(name: String, model: ModelConfig, data: DataConfig, training: OptimConfig = OptimConfig()) {
        self.name = name; self.model = model; self.data = data; self.training = training
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? threads
        model = try c.decode(ModelConfig.self, forKey: .model)
        data = try c.decode(DataConfig.self, forKey: .data)
        training = try c.decodeIfPresent(OptimConfig.self, forKey: .training) ?? OptimConfig()
    }

    /// Cross-field checks that Codable cannot express; each error names its key.
    public func validate() throws {
        if let problem = PathComponent.problem(name) { throw ScaleLabError.invalidValue(key: "name", reason: problem) }
        guard threads >= 0 else { throw ScaleLabError.invalidValue(key: "threads", reason: "must be ≥ 0 (0 = all cores)") }
        try model.validate()
        try training.validate()
        try data.validate()
        // Every size the run derives from the config, overflow-checked before anything multiplies it.
        _ = try memoryEstimate(threads: 1)
        func product(_ key: String, _ a: Int, _ b: Int) throws -> Int {
            let (r, overflow) = a.multipliedReportingOverflow(by: b)
            if overflow { throw ScaleLabError.invalidValue(key: key, reason: "\(a) × \(b) overflows 64-bit arithmetic; choose smaller values") }
            return r
        }
        let perStep = try product("training.grad_accum", try product("training.batch_size", training.batchSize, model.context), training.gradAccum)
        _ = try product("training.steps", perStep, training.steps)
        // Validation windows are listed (an offset each) and spread by multiplying offsets with their
        // index: bounded far beyond any useful evaluation, so neither can exhaust memory or overflow.
        let windows = try product("training.eval_batches", training.evalBatches, training.batchSize)
        guard windows <= 1 << 24 else {
            throw ScaleLabError.invalidValue(key: "training.eval_batches", reason: "eval_batches × batch_size = \(windows) validation windows; at most \(1 << 24)")
        }
    }

    /// The memory one training process needs (`MemoryEstimate`); throws naming the key that overflows.
    public func memoryEstimate(threads: Int) throws -> MemoryEstimate {
        try MemoryEstimate.training(config: model, batchSize: training.batchSize, threads: threads)
    }

    /// Refuses, before anything is allocated or written, a run whose estimated memory exceeds the
    /// machine's (`limit`, default physical RAM), naming both figures.
    public func checkFitsMemory(limit: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        let need = try memoryEstimate(threads: resolvedThreads)
        guard UInt64(need.totalBytes) <= limit else {
            func gib(_ b: Double) -> String { String(format: "%.2f GiB", b / 1_073_741_824) }
            throw ScaleLabError.invalidValue(key: "model", reason: "the run needs about \(gib(Double(need.totalBytes))) (parameters \(gib(Double(need.parameterBytes))), optimizer \(gib(Double(need.optimizerBytes))), activations \(gib(Double(need.activationBytes))), workspace \(gib(Double(need.workspaceBytes)))) and this machine has \(gib(Double(limit))); choose a smaller model, context or training.batch_size")
        }
    }

    /// The thread count to use: `threads`, or the number of cores when 0.
    public var resolvedThreads: Int { threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount }
}

/// Optimisation and bookkeeping of the training loop.
public struct OptimConfig: Codable, Sendable, Equatable {
    public var batchSize: Int = 16
    /// Micro-batches per optimizer step; their gradients are summed before the update.
    public var gradAccum: Int = 1
    /// Optimizer steps. Tokens seen = steps · batch_size · grad_accum · context.
    public var steps: Int = 1000
    /// Peak learning rate.
    public var lr: Double = 1e-3
    public var schedule = ScheduleConfig()
    public var weightDecay: Double = 0.1
    /// Embeddings (and an untied head) are not decayed unless this is true.
    public var decayEmbeddings = false
    public var beta1: Double = 0.9
    public var beta2: Double = 0.95
    public var eps: Double = 1e-8
    /// Global-norm clipping threshold; 0 turns clipping off.
    public var gradClip: Double = 1.0
    public var evalInterval: Int = 100
    /// Validation batches, taken at fixed, evenly spaced offsets of the validation split.
    public var evalBatches: Int = 8
    public var logInterval: Int = 10
    /// A checkpoint every N steps, and always at the end (`checkpoints/step-XXXXXXXX.safetensors`).
    public var checkpointInterval: Int = 100
    /// How many of the newest checkpoints to keep (WSD branch points are kept regardless).
    public var keepCheckpoints: Int = 3

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case batchSize = "batch_size", gradAccum = "grad_accum", steps, lr, schedule
        case weightDecay = "weight_decay", decayEmbeddings = "decay_embeddings", beta1, beta2, eps
        case gradClip = "grad_clip", evalInterval = "eval_interval", evalBatches = "eval_batches"
        case logInterval = "log_interval", checkpointInterval = "checkpoint_interval", keepCheckpoints = "keep_checkpoints"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        batchSize = try get(.batchSize, batchSize); gradAccum = try get(.gradAccum, gradAccum)
        steps = try get(.steps, steps); lr = try get(.lr, lr); schedule = try get(.schedule, schedule)
        weightDecay = try get(.weightDecay, weightDecay); decayEmbeddings = try get(.decayEmbeddings, decayEmbeddings)
        beta1 = try get(.beta1, beta1); beta2 = try get(.beta2, beta2); eps = try get(.eps, eps)
        gradClip = try get(.gradClip, gradClip); evalInterval = try get(.evalInterval, evalInterval)
        evalBatches = try get(.evalBatches, evalBatches); logInterval = try get(.logInterval, logInterval)
        checkpointInterval = try get(.checkpointInterval, checkpointInterval)
        keepCheckpoints = try get(.keepCheckpoints, keepCheckpoints)
    }

    func validate() throws {
        func positive(_ key: String, _ v: Int) throws {
            if v < 1 { throw ScaleLabError.invalidValue(key: "training.\(key)", reason: "must be at least 1, got \(v)") }
        }
        try positive("batch_size", batchSize); try positive("grad_accum", gradAccum); try positive("steps", steps)
        try positive("eval_interval", evalInterval); try positive("eval_batches", evalBatches)
        try positive("log_interval", logInterval)
        try positive("checkpoint_interval", checkpointInterval); try positive("keep_checkpoints", keepCheckpoints)
        guard lr > 0, lr.isFinite else { throw ScaleLabError.invalidValue(key: "training.lr", reason: "must be positive, got \(lr)") }
        guard weightDecay >= 0 else { throw ScaleLabError.invalidValue(key: "training.weight_decay", reason: "must be ≥ 0") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw ScaleLabError.invalidValue(key: "training.beta1/beta2", reason: "must lie in [0, 1)")
        }
        guard eps > 0 else { throw ScaleLabError.invalidValue(key: "training.eps", reason: "must be positive") }
        guard gradClip >= 0 else { throw ScaleLabError.invalidValue(key: "training.grad_clip", reason: "must be ≥ 0 (0 = off)") }
        try schedule.validate(totalSteps: steps)
    }
}

// MARK: - loading

extension RunConfig {
    /// Reads a YAML config, applies `key=value` overrides (dotted keys; values parsed as YAML, so
    /// `--set model.d_model=128` sets an integer), rejects unknown keys and wrong types naming the
    /// file and the key, and validates.
    ///
    /// A path that names no file but whose name is a built-in config (`tiny`, `configs/tiny.yaml`)
    /// loads the copy built into the binary, so an installed `scalelab` runs the shipped configs
    /// from any directory.
    public static func load(path: String, overrides: [String] = []) throws -> RunConfig {
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: path) else {
            let name = url.deletingPathExtension().lastPathComponent
            if let text = BuiltinRunConfigs.files[name] {
                return try parse(yaml: text, source: "built-in configs/\(name).yaml", overrides: overrides)
            }
            throw ScaleLabError.io(path: path, reason: "no such config file (built-in configs: \(BuiltinRunConfigs.files.keys.sorted().joined(separator: ", ")))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScaleLabError.io(path: path, reason: "cannot read the config file (unreadable)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(yaml: text, source: url.path, overrides: overrides)
    }

    public static func parse(yaml text: String, source: String, overrides: [String] = []) throws -> RunConfig {
        var root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScaleLabError.config(file: source, key: "", reason: "the file is empty")
            }
            root = node
        } catch let e as ScaleLabError { throw e } catch {
            throw ScaleLabError.config(file: source, key: "", reason: "not valid YAML: \(error)")
        }
        for override in overrides {
            guard let eq = override.firstIndex(of: "="), eq != override.startIndex else {
                throw ScaleLabError.invalid("--set \(override): expected key=value, e.g. model.d_model=128")
            }
            let key = String(override[..<eq]), valueText = String(override[override.index(after: eq)...])
            // The setter recurses once per dotted component: no config key nests deeper than a few.
            guard key.split(separator: ".", omittingEmptySubsequences: false).count <= 16 else {
                throw ScaleLabError.invalid("--set \(Printable.escaped(key, limit: 80)): nests deeper than any config key (at most 16 components)")
            }
            let value: Node
            do { value = try Yams.compose(yaml: valueText) ?? Node("") } catch {
                throw ScaleLabError.invalid("--set \(key): the value '\(valueText)' is not valid YAML")
            }
            root = try setting(root, path: key.split(separator: ".").map(String.init), to: value, fullKey: key)
        }
        // A key an override set is blamed on the flag, not on the file, which may not even mention it.
        func blame(_ key: String, _ reason: String) -> ScaleLabError {
            let set = overrides.last { o in
                let k = o.split(separator: "=", maxSplits: 1).first.map(String.init) ?? o
                return k == key || key.hasPrefix(k + ".") || k.hasPrefix(key + ".")
            }
            if let set { return .config(file: "--set \(set)", key: key, reason: reason) }
            return .config(file: source, key: key, reason: reason)
        }
        let config: RunConfig
        do {
            config = try YAMLDecoder().decode(RunConfig.self, from: root)
        } catch let e as DecodingError {
            let (key, reason) = e.keyPathAndReason
            throw blame(key, reason)
        } catch {
            throw ScaleLabError.config(file: source, key: "", reason: "not valid YAML: \(error)")
        }
        do { try config.validate() } catch let ScaleLabError.invalidValue(key, reason) {
            throw blame(key, reason)
        }
        return config
    }

    private static func setting(_ node: Node, path: [String], to value: Node, fullKey: String) throws -> Node {
        guard let head = path.first else { return value }
        guard case var .mapping(mapping) = node else {
            throw ScaleLabError.invalid("--set \(fullKey): '\(head)' is inside a value that is not a mapping")
        }
        let child = mapping[head] ?? Node.mapping(Node.Mapping([]))
        mapping[head] = try setting(child, path: Array(path.dropFirst()), to: value, fullKey: fullKey)
        return .mapping(mapping)
    }

    /// The resolved config as YAML, every value explicit and every number exact.
    public func yaml() throws -> String {
        try ExactYAML.encode(self)
    }
}
