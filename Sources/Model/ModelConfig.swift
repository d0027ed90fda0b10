import Support

public enum NormKind: String, Codable, Sendable, CaseIterable { case layernorm, rmsnorm }
public enum PositionKind: String, Codable, Sendable, CaseIterable { case learned, rope }
public enum ActivationKind: String, Codable, Sendable, CaseIterable { case gelu, swiglu }

/// The shape of a decoder-only transformer. Every field is explicit in a resolved config; a
/// preset only supplies defaults for the fields a config leaves out.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var dModel: Int
    public var nLayer: Int
    public var nHead: Int
    public var context: Int
    public var vocabSize: Int
    /// Hidden width of the MLP as a multiple of d_model, rounded to a multiple of 8. For SwiGLU the
    /// Llama convention is 8/3, which gives the same parameter count as GELU's 4.
    public var mlpRatio: Double
    public var norm: NormKind
    public var position: PositionKind
    public var activation: ActivationKind
    public var tieEmbeddings: Bool
    /// Biases in every linear layer and norm (GPT-2 has them, Llama does not).
    public var bias: Bool
    /// Standard deviation of the normal initialisation; residual output projections use
    /// init_std / √(2·n_layer) (GPT-2).
    public var initStd: Double

    public enum Preset: String, Codable, Sendable, CaseIterable {
        /// LayerNorm, learned positions, GELU, tied embeddings, biases.
        case gpt2
        /// RMSNorm, RoPE, SwiGLU, untied embeddings, no biases.
        case llama
    }

    public init(preset: Preset = .gpt2, dModel: Int, nLayer: Int, nHead: Int, context: Int, vocabSize: Int) {
        self.dModel = dModel; self.nLayer = nLayer; self.nHead = nHead
        self.context = context; self.vocabSize = vocabSize
        initStd = 0.02
        switch preset {
        case .gpt2:
            mlpRatio = 4; norm = .layernorm; position = .learned; activation = .gelu
            tieEmbeddings = true; bias = true
        case .llama:
            // 8/3 to 15 significant digits: YAML writes doubles with 15, so the resolved
            // config.yaml reads back as exactly this value (8.0/3.0 would not).
            mlpRatio = 2.666_666_666_666_67; norm = .rmsnorm; position = .rope; activation = .swiglu
            tieEmbeddings = false; bias = false
        }
    }

    public var headSize: Int { dModel / nHead }
    /// MLP hidden width H.
    public var hidden: Int { max(8, Int((mlpRatio * Double(dModel) / 8).rounded()) * 8) }

    /// Checks the config, naming the key at fault.
    public func validate() throws {
        func fail(_ key: String, _ reason: String) -> ScaleLabError { .invalidValue(key: "model.\(key)", reason: reason) }
        for (key, value) in [("d_model", dModel), ("n_layer", nLayer), ("n_head", nHead),
                             ("context", context), ("vocab_size", vocabSize)] where value < 1 {
            throw fail(key, "must be at least 1, got \(value)")
        }
        guard dModel % nHead == 0 else {
            throw fail("d_model", "\(dModel) is not divisible by n_head = \(nHead)")
        }
        if position == .rope && headSize % 2 != 0 {
            throw fail("n_head", "RoPE needs an even head size; d_model / n_head = \(headSize)")
        }
        // `hidden` converts mlp_ratio · d_model to Int: bound it first so the conversion cannot trap.
        guard mlpRatio > 0, mlpRatio * Double(dModel) < 0x1p52 else {
            throw fail("mlp_ratio", "must be positive with mlp_ratio × d_model below 2^52, got \(mlpRatio)")
        }
        guard initStd > 0, initStd.isFinite else { throw fail("init_std", "must be positive, got \(initStd)") }
        guard vocabSize <= Int(Int32.max) else { throw fail("vocab_size", "too large") }
        // Kernels index a context with 32-bit counts.
        guard context <= 1 << 20 else { throw fail("context", "must be at most 1048576, got \(context)") }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset
        case dModel = "d_model", nLayer = "n_layer", nHead = "n_head", context, vocabSize = "vocab_size"
        case mlpRatio = "mlp_ratio", norm, position, activation, tieEmbeddings = "tie_embeddings"
        case bias, initStd = "init_std"
    }

    /// Decodes `preset` first, then lets every explicit key override the preset's default.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let preset = try c.decodeIfPresent(Preset.self, forKey: .preset) ?? .gpt2
        self.init(preset: preset,
                  dModel: try c.decode(Int.self, forKey: .dModel),
                  nLayer: try c.decode(Int.self, forKey: .nLayer),
                  nHead: try c.decode(Int.self, forKey: .nHead),
                  context: try c.decode(Int.self, forKey: .context),
                  vocabSize: try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 256)
        mlpRatio = try c.decodeIfPresent(Double.self, forKey: .mlpRatio) ?? mlpRatio
        norm = try c.decodeIfPresent(NormKind.self, forKey: .norm) ?? norm
        position = try c.decodeIfPresent(PositionKind.self, forKey: .position) ?? position
        activation = try c.decodeIfPresent(ActivationKind.self, forKey: .activation) ?? activation
        tieEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieEmbeddings) ?? tieEmbeddings
        bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? bias
        initStd = try c.decodeIfPresent(Double.self, forKey: .initStd) ?? initStd
    }

    /// Writes every field (no preset): a resolved config says exactly what was trained.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dModel, forKey: .dModel); try c.encode(nLayer, forKey: .nLayer)
        try c.encode(nHead, forKey: .nHead); try c.encode(context, forKey: .context)
        try c.encode(vocabSize, forKey: .vocabSize); try c.encode(mlpRatio, forKey: .mlpRatio)
        try c.encode(norm, forKey: .norm); try c.encode(position, forKey: .position)
        try c.encode(activation, forKey: .activation); try c.encode(tieEmbeddings, forKey: .tieEmbeddings)
        try c.encode(bias, forKey: .bias); try c.encode(initStd, forKey: .initStd)
    }
}
