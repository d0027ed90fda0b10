/// Where each named tensor lives in the model's one flat parameter buffer (and, at the same
/// offsets, in the gradient and AdamW moment buffers). One allocation means the optimizer is one
/// loop, a checkpoint is one blob, and no tensor is ever copied to be updated.
public struct ParameterLayout: Sendable {
    public enum Role: String, Sendable {
        /// Token/position embeddings and an untied output head: not decayed by default.
        case embedding
        /// 2-D weights of linear layers: decayed.
        case matrix
        /// Norm gains and all biases: not decayed.
        case vector
    }

    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public let role: Role
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one transformer block's tensors (nil where the config has no such tensor).
    public struct Block: Sendable {
        public var norm1Weight = 0, norm1Bias: Int? = nil
        public var qkvWeight = 0, qkvBias: Int? = nil          // (3C, C), (3C)
        public var projWeight = 0, projBias: Int? = nil        // (C, C), (C)
        public var norm2Weight = 0, norm2Bias: Int? = nil
        public var fcWeight = 0, fcBias: Int? = nil            // (H or 2H, C)
        public var fcProjWeight = 0, fcProjBias: Int? = nil    // (C, H)
    }

    public private(set) var tensors: [Tensor] = []
    public private(set) var count = 0
    public private(set) var tokenEmbedding = 0                // (V, C)
    public private(set) var positionEmbedding: Int? = nil     // (T, C)
    public private(set) var blocks: [Block] = []
    public private(set) var finalNormWeight = 0, finalNormBias: Int? = nil
    /// (V, C): the token embedding itself when embeddings are tied.
    public private(set) var head = 0

    public init(_ config: ModelConfig) {
        let c = config.dModel, v = config.vocabSize, h = config.hidden
        let fcRows = config.activation == .swiglu ? 2 * h : h
        let hasNormBias = config.norm == .layernorm
        tokenEmbedding = add("token_embedding", [v, c], .embedding)
        if config.position == .learned { positionEmbedding = add("position_embedding", [config.context, c], .embedding) }
        for l in 0..<config.nLayer {
            let p = "layers.\(l)."
            var b = Block()
            b.norm1Weight = add(p + "norm1.weight", [c], .vector)
            if hasNormBias { b.norm1Bias = add(p + "norm1.bias", [c], .vector) }
            b.qkvWeight = add(p + "attn.qkv.weight", [3 * c, c], .matrix)
            if config.bias { b.qkvBias = add(p + "attn.qkv.bias", [3 * c], .vector) }
            b.projWeight = add(p + "attn.proj.weight", [c, c], .matrix)
            if config.bias { b.projBias = add(p + "attn.proj.bias", [c], .vector) }
            b.norm2Weight = add(p + "norm2.weight", [c], .vector)
            if hasNormBias { b.norm2Bias = add(p + "norm2.bias", [c], .vector) }
            b.fcWeight = add(p + "mlp.fc.weight", [fcRows, c], .matrix)
            if config.bias { b.fcBias = add(p + "mlp.fc.bias", [fcRows], .vector) }
            b.fcProjWeight = add(p + "mlp.proj.weight", [c, h], .matrix)
            if config.bias { b.fcProjBias = add(p + "mlp.proj.bias", [c], .vector) }
            blocks.append(b)
        }
        finalNormWeight = add("final_norm.weight", [c], .vector)
        if hasNormBias { finalNormBias = add("final_norm.bias", [c], .vector) }
        head = config.tieEmbeddings ? tokenEmbedding : add("lm_head.weight", [v, c], .embedding)
    }

    private mutating func add(_ name: String, _ shape: [Int], _ role: Role) -> Int {
        let t = Tensor(name: name, shape: shape, offset: count, role: role)
        tensors.append(t)
        count += t.count
        return t.offset
    }

    public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }
}
