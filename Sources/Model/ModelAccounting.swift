/// Parameter and FLOP counts, with the conventions the scaling-law papers use. The fitting module
/// and the report read these from `summary.json`, so each convention is stated here once.
public struct ModelAccounting: Codable, Sendable, Equatable {
    /// Every trainable parameter, a tied embedding counted once.
    public let nParamsTotal: Int
    /// Token embedding + learned position embedding + an untied output head (the vocabulary
    /// parameters of Tao et al. count both V·d matrices when untied, one when tied).
    public let nParamsEmbedding: Int
    /// Kaplan et al.'s N: total − embedding. Includes norms and biases.
    public let nParamsNonEmbedding: Int
    /// Training FLOPs per token, Kaplan's convention: 6·N_non-embedding.
    public let flopsPerTokenKaplan: Double
    /// Training FLOPs per token, Chinchilla's convention (C ≈ 6·N·D): 6·N_total.
    public let flopsPerTokenChinchilla: Double
    /// Training FLOPs per token as the benchmark counts them, including the output head and the
    /// causal attention term: 6·N_non-embedding + 6·V·C + 6·L·T·C.
    public let flopsPerTokenFull: Double

    public init(_ config: ModelConfig) {
        let layout = ParameterLayout(config)
        let embedding = layout.tensors.filter { $0.role == .embedding }.reduce(0) { $0 + $1.count }
        nParamsTotal = layout.count
        nParamsEmbedding = embedding
        nParamsNonEmbedding = layout.count - embedding
        let c = Double(config.dModel)
        flopsPerTokenKaplan = 6 * Double(nParamsNonEmbedding)
        flopsPerTokenChinchilla = 6 * Double(nParamsTotal)
        flopsPerTokenFull = 6 * Double(nParamsNonEmbedding) + 6 * Double(config.vocabSize) * c
            + 6 * Double(config.nLayer) * Double(config.context) * c
    }

    enum CodingKeys: String, CodingKey {
        case nParamsTotal = "n_params_total", nParamsEmbedding = "n_params_embedding"
        case nParamsNonEmbedding = "n_params_non_embedding"
        case flopsPerTokenKaplan = "flops_per_token_kaplan_6n_non_embedding"
        case flopsPerTokenChinchilla = "flops_per_token_chinchilla_6n_total"
        case flopsPerTokenFull = "flops_per_token_full"
    }

    /// A few lines for people, each with its convention.
    public var description: String {
        func fmt(_ x: Int) -> String {
            let s = String(x)
            var out = ""
            for (i, ch) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(",") }; out.append(ch) }
            return String(out.reversed())
        }
        return """
        parameters: \(fmt(nParamsTotal)) total = \(fmt(nParamsEmbedding)) embedding (token, position, untied head) \
        + \(fmt(nParamsNonEmbedding)) non-embedding (Kaplan's N)
        training FLOPs/token: \(fmtSci(flopsPerTokenKaplan)) (6·N_non-emb, Kaplan), \
        \(fmtSci(flopsPerTokenChinchilla)) (6·N_total, Chinchilla), \
        \(fmtSci(flopsPerTokenFull)) (full: 6·N_non-emb + 6·V·d + 6·L·T·d)
        """
    }
}

func fmtSci(_ x: Double) -> String {
    guard x > 0 else { return "0" }
    var e = 0, m = x
    while m >= 10 { m /= 10; e += 1 }
    while m < 1 { m *= 10; e -= 1 }
    return "\(Double((m * 1000).rounded()) / 1000)e\(e)"
}
