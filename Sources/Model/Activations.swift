import Kernels

/// Every activation the forward pass keeps for backward, plus backward's scratch, in one
/// allocation sized for (B, T) once. Nothing is allocated inside a training step.
final class ActivationBuffers {
    let batch: Int, tokens: Int
    private let storage: UnsafeMutablePointer<Float>
    private let storageCount: Int
    let attention: AttentionWorkspace

    // Per layer l (L slots each; R = B·T rows):
    let resid: UnsafeMutablePointer<Float>     // (L+1, R, C): resid[0] = embeddings, resid[l+1] = block l's output
    let residMid: UnsafeMutablePointer<Float>  // (L, R, C): after the attention residual
    let norm1: UnsafeMutablePointer<Float>     // (L, R, C)
    let norm1Mean: UnsafeMutablePointer<Float> // (L, R)
    let norm1Rstd: UnsafeMutablePointer<Float> // (L, R)
    let qkv: UnsafeMutablePointer<Float>       // (L, R, 3C), q and k after RoPE
    let attn: UnsafeMutablePointer<Float>      // (L, R, C) attention output before the projection
    let lse: UnsafeMutablePointer<Float>       // (L, B, NH, T)
    let norm2: UnsafeMutablePointer<Float>     // (L, R, C)
    let norm2Mean: UnsafeMutablePointer<Float> // (L, R)
    let norm2Rstd: UnsafeMutablePointer<Float> // (L, R)
    let fc: UnsafeMutablePointer<Float>        // (L, R, F) MLP pre-activation, F = H (GELU) or 2H (SwiGLU)
    let fcAct: UnsafeMutablePointer<Float>     // (L, R, H)
    // Head:
    let finalNorm: UnsafeMutablePointer<Float> // (R, C)
    let finalMean: UnsafeMutablePointer<Float> // (R)
    let finalRstd: UnsafeMutablePointer<Float> // (R)
    let logits: UnsafeMutablePointer<Float>    // (R, V); holds dlogits after a training forward
    let losses: UnsafeMutablePointer<Float>    // (R)
    // Backward scratch, reused by every layer:
    let dresid: UnsafeMutablePointer<Float>    // (R, C) gradient of the residual stream
    let dnorm: UnsafeMutablePointer<Float>     // (R, C)
    let dattn: UnsafeMutablePointer<Float>     // (R, C)
    let dqkv: UnsafeMutablePointer<Float>      // (R, 3C)
    let dfc: UnsafeMutablePointer<Float>       // (R, F)
    let dfcAct: UnsafeMutablePointer<Float>    // (R, H)

    let rows: Int, fcWidth: Int

    init(config: ModelConfig, batch: Int, threads: Int) {
        self.batch = batch; tokens = config.context
        let h = config.hidden, f = config.activation == .swiglu ? 2 * h : h
        rows = batch * config.context; fcWidth = f
        let sizes = Self.sizes(config: config, batch: batch)
        storageCount = sizes.reduce(0, +)
        storage = .allocate(capacity: storageCount)
        storage.initialize(repeating: 0, count: storageCount)
        var cursor = storage
        var slices: [UnsafeMutablePointer<Float>] = []
        for s in sizes { slices.append(cursor); cursor += s }
        (resid, residMid, norm1, norm1Mean, norm1Rstd, qkv, attn) =
            (slices[0], slices[1], slices[2], slices[3], slices[4], slices[5], slices[6])
        (lse, norm2, norm2Mean, norm2Rstd, fc, fcAct) =
            (slices[7], slices[8], slices[9], slices[10], slices[11], slices[12])
        (finalNorm, finalMean, finalRstd, logits, losses) = (slices[13], slices[14], slices[15], slices[16], slices[17])
        (dresid, dnorm, dattn, dqkv, dfc, dfcAct) = (slices[18], slices[19], slices[20], slices[21], slices[22], slices[23])
        attention = AttentionWorkspace(threads: threads, context: config.context, headSize: config.dModel / config.nHead)
    }

    var bytes: Int { storageCount * MemoryLayout<Float>.size }

    /// Float counts of every slice, in storage order; `MemoryEstimate` sums the same list.
    static func sizes(config: ModelConfig, batch: Int) -> [Int] {
        let r = batch * config.context, c = config.dModel, l = config.nLayer, v = config.vocabSize
        let h = config.hidden, f = config.activation == .swiglu ? 2 * h : h
        return [
            (l + 1) * r * c, l * r * c, l * r * c, l * r, l * r, l * r * 3 * c, l * r * c,
            l * batch * config.nHead * config.context, l * r * c, l * r, l * r, l * r * f, l * r * h,
            r * c, r, r, r * v, r,
            r * c, r * c, r * c, r * 3 * c, r * f, r * h,
        ]
    }

    deinit {
        storage.deallocate()
        attention.deallocate()
    }
}
