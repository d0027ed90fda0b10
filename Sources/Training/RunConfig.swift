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
        guard !name.isEmpty, !name.contains("/") else { throw ScaleLabError.invalid("name: must be a non-empty name without '/'") }
        guard threads >= 0 else { throw ScaleLabError.invalid("threads: must be ≥ 0 (0 = all cores)") }
        try model.validate()
        try training.validate()
        try data.validate()
    }

    /// The thread count to use: `threads`, or the number of cores when 0.
    public var resolvedThreads: Int { threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount }
}

/// Where the tokens come from: a corpus (prepared and tokenized on first use, then cached), text
/// files read as bytes, or token files.
public struct DataConfig: Codable, Sendable, Equatable {
    /// A corpus name from `corpora/` (e.g. `shakespeare`) or the path of a corpus manifest.
    public var corpus: String?
    /// How a corpus is tokenized: `bytes` (one token per byte, vocab 256), `bpe` (a byte-level BPE
    /// tokenizer with model.vocab_size ids trained on the corpus's training split, cached), or the
    /// path of a saved tokenizer (a directory or `tokenizer.json`).
    public var tokenizer: String = "bytes"
    /// Text files read as raw bytes (the built-in byte-level tokenizer, vocab 256).
    public var text: [String]?
    /// A token file (raw little-endian uint16, or uint32 when vocab_size > 65536) for training…
    public var trainTokens: String?
    /// …and one for validation. Without it, the last `val_fraction` of the training tokens is held out.
    public var valTokens: String?
    /// Fraction of a single source held out for validation (the tail, so no window straddles both).
    public var valFraction: Double = 0.1

    public init(corpus: String? = nil, tokenizer: String = "bytes", text: [String]? = nil, trainTokens: String? = nil,
                valTokens: String? = nil, valFraction: Double = 0.1) {
        self.corpus = corpus; self.tokenizer = tokenizer
        self.text = text; self.trainTokens = trainTokens; self.valTokens = valTokens; self.valFraction = valFraction
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case corpus, tokenizer, text, trainTokens = "train_tokens", valTokens = "val_tokens", valFraction = "val_fraction"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        corpus = try c.decodeIfPresent(String.self, forKey: .corpus)
        tokenizer = try c.decodeIfPresent(String.self, forKey: .tokenizer) ?? tokenizer
        // `text` may be one path or a list of paths.
        if let one = try? c.decode(String.self, forKey: .text) { text = [one] }
        else { text = try c.decodeIfPresent([String].self, forKey: .text) }
        trainTokens = try c.decodeIfPresent(String.self, forKey: .trainTokens)
        valTokens = try c.decodeIfPresent(String.self, forKey: .valTokens)
        valFraction = try c.decodeIfPresent(Double.self, forKey: .valFraction) ?? valFraction
    }

    func validate() throws {
        let sources = [corpus != nil, text != nil, trainTokens != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ScaleLabError.invalid("data: give exactly one of 'corpus' (a corpus name), 'text' (text files) or 'train_tokens' (a token file)")
        }
        if corpus == nil && tokenizer != "bytes" {
            throw ScaleLabError.invalid("data.tokenizer: only applies to a 'corpus' (text files are read as bytes; token files are already tokenized)")
        }
        if let text, text.isEmpty { throw ScaleLabError.invalid("data.text: the list of files is empty") }
        if valTokens != nil && trainTokens == nil { throw ScaleLabError.invalid("data.val_tokens: needs train_tokens") }
        guard valFraction > 0 && valFraction < 1 else {
            throw ScaleLabError.invalid("data.val_fraction: must lie strictly between 0 and 1, got \(valFraction)")
        }
    }
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
            if v < 1 { throw ScaleLabError.invalid("training.\(key): must be at least 1, got \(v)") }
        }
        try positive("batch_size", batchSize); try positive("grad_accum", gradAccum); try positive("steps", steps)
        try positive("eval_interval", evalInterval); try positive("eval_batches", evalBatches)
        try positive("log_interval", logInterval)
        try positive("checkpoint_interval", checkpointInterval); try positive("keep_checkpoints", keepCheckpoints)
        guard lr > 0, lr.isFinite else { throw ScaleLabError.invalid("training.lr: must be positive, got \(lr)") }
        guard weightDecay >= 0 else { throw ScaleLabError.invalid("training.weight_decay: must be ≥ 0") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw ScaleLabError.invalid("training.beta1/beta2: must lie in [0, 1)")
        }
        guard eps > 0 else { throw ScaleLabError.invalid("training.eps: must be positive") }
        guard gradClip >= 0 else { throw ScaleLabError.invalid("training.grad_clip: must be ≥ 0 (0 = off)") }
        try schedule.validate(totalSteps: steps)
    }
}

// MARK: - loading

extension RunConfig {
    /// Reads a YAML config, applies `key=value` overrides (dotted keys; values parsed as YAML, so
    /// `--set model.d_model=128` sets an integer), rejects unknown keys and wrong types naming the
    /// file and the key, and validates.
    public static func load(path: String, overrides: [String] = []) throws -> RunConfig {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScaleLabError.io(path: path, reason: "cannot read the config file (missing or unreadable)")
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
            let value: Node
            do { value = try Yams.compose(yaml: valueText) ?? Node("") } catch {
                throw ScaleLabError.invalid("--set \(key): the value '\(valueText)' is not valid YAML")
            }
            root = try setting(root, path: key.split(separator: ".").map(String.init), to: value, fullKey: key)
        }
        let config: RunConfig
        do {
            config = try YAMLDecoder().decode(RunConfig.self, from: root)
        } catch let e as DecodingError {
            let (key, reason) = e.keyPathAndReason
            throw ScaleLabError.config(file: source, key: key, reason: reason)
        }
        do { try config.validate() } catch let ScaleLabError.invalid(reason) {
            // Validation messages begin with the key ("model.d_model: …").
            let parts = reason.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            throw ScaleLabError.config(file: source, key: parts[0], reason: parts.count > 1 ? parts[1] : reason)
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

    /// The resolved config as YAML, every value explicit.
    public func yaml() throws -> String {
        try YAMLEncoder().encode(self)
    }
}
