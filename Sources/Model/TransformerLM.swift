import Kernels
import Support

/// A decoder-only transformer with pre-norm blocks:
///
///     x = embed(tokens) [+ positions]
///     for each block:  x = x + proj(attention(norm1(x)))
///                      x = x + mlp(norm2(x))
///     logits = norm_f(x) · headᵀ
///
/// `backward` is `forward` in reverse, call by call; there is no autograd. Parameters, gradients
/// and (in the optimizer) AdamW moments are flat buffers laid out by `ParameterLayout`.
public final class TransformerLM {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let accounting: ModelAccounting
    public let parallel: Parallel
    /// All parameters, `layout.count` floats.
    public let params: UnsafeMutableBufferPointer<Float>
    /// Gradients, same layout; accumulated by `backward`, cleared by `zeroGradients`.
    public let grads: UnsafeMutableBufferPointer<Float>
    private var acts: ActivationBuffers?
    /// When set, every kernel call's wall time is added to it (`scalelab bench --profile`).
    public var profile: StepProfile?
    private let rope: RopeTable?

    public init(config: ModelConfig, seed: UInt64, threads: Int = 1) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        accounting = ModelAccounting(config)
        parallel = Parallel(threads: threads)
        params = .allocate(capacity: layout.count); params.initialize(repeating: 0)
        grads = .allocate(capacity: layout.count); grads.initialize(repeating: 0)
        rope = config.position == .rope ? RopeTable(context: config.context, headSize: config.headSize) : nil
        initialize(seed: seed)
    }

    deinit { params.deallocate(); grads.deallocate() }

    /// GPT-2 initialisation: matrices and embeddings ~ N(0, init_std); the two residual output
    /// projections per block ~ N(0, init_std/√(2L)) so the residual stream's variance does not grow
    /// with depth; norm gains 1, biases 0. Tensors are filled in layout order from one seeded stream.
    public func initialize(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let std = config.initStd, residualStd = std / (2 * Double(config.nLayer)).squareRoot()
        for t in layout.tensors {
            let p = params.baseAddress! + t.offset
            if t.name.hasSuffix(".bias") {
                p.update(repeating: 0, count: t.count)
            } else if t.role == .vector {
                p.update(repeating: 1, count: t.count)
            } else {
                let s = t.name.hasSuffix("attn.proj.weight") || t.name.hasSuffix("mlp.proj.weight") ? residualStd : std
                for i in 0..<t.count { p[i] = Float(rng.nextGaussian() * s) }
            }
        }
    }

    public func zeroGradients() { grads.update(repeating: 0) }

    /// Bytes held by activations for the batch size last used (0 before the first forward).
    public var activationBytes: Int { acts?.bytes ?? 0 }

    private func buffers(batch: Int) -> ActivationBuffers {
        if let a = acts, a.batch == batch { return a }
        let a = ActivationBuffers(config: config, batch: batch, threads: parallel.threads)
        acts = a
        return a
    }

    // MARK: forward

    /// Runs the model on tokens (B, T) with T = context. With targets, returns the mean
    /// cross-entropy; with `training`, the logits buffer is left holding dlogits scaled by
    /// `gradScale` (1/(B·T) divided by the accumulation steps) ready for `backward`. Without
    /// targets, returns 0 and leaves the raw logits for `lastLogits`.
    @discardableResult
    public func forward(tokens: UnsafePointer<Int32>, targets: UnsafePointer<Int32>?, batch b: Int,
                        training: Bool = false, gradScale: Float = 0) -> Double {
        let a = buffers(batch: b)
        let t = config.context, c = config.dModel, r = b * t, v = config.vocabSize
        let nh = config.nHead, h = config.hidden, f = a.fcWidth
        let p = params.baseAddress!, par = parallel, prof = profile
        prof.time(.embedding, .forward) {
            embeddingForward(a.resid, tokens, p + layout.tokenEmbedding, layout.positionEmbedding.map { p + $0 },
                             batch: b, tokens: t, channels: c, parallel: par)
        }
        for (l, blk) in layout.blocks.enumerated() {
            let x = a.resid + l * r * c, xMid = a.residMid + l * r * c, xOut = a.resid + (l + 1) * r * c
            let n1 = a.norm1 + l * r * c, qkv = a.qkv + l * r * 3 * c, att = a.attn + l * r * c
            let n2 = a.norm2 + l * r * c, fc = a.fc + l * r * f, fcAct = a.fcAct + l * r * h
            prof.time(.norm, .forward) { normForward(n1, a.norm1Mean + l * r, a.norm1Rstd + l * r, x, blk.norm1Weight, blk.norm1Bias, rows: r) }
            prof.time(.attentionMatmul, .forward) {
                matmulForward(qkv, n1, p + blk.qkvWeight, blk.qkvBias.map { p + $0 }, rows: r, inFeatures: c,
                              outFeatures: 3 * c, parallel: par)
            }
            if let rope { prof.time(.rope, .forward) { ropeForward(qkv, table: rope, batch: b, tokens: t, channels: c, heads: nh, parallel: par) } }
            prof.time(.attention, .forward) {
                attentionForward(att, lse: a.lse + l * b * nh * t, qkv, workspace: a.attention,
                                 batch: b, tokens: t, channels: c, heads: nh, parallel: par)
            }
            prof.time(.attentionMatmul, .forward) { residualMatmul(xMid, x, att, blk.projWeight, blk.projBias, rows: r, inFeatures: c) }
            prof.time(.norm, .forward) { normForward(n2, a.norm2Mean + l * r, a.norm2Rstd + l * r, xMid, blk.norm2Weight, blk.norm2Bias, rows: r) }
            prof.time(.mlpMatmul, .forward) {
                matmulForward(fc, n2, p + blk.fcWeight, blk.fcBias.map { p + $0 }, rows: r, inFeatures: c,
                              outFeatures: f, parallel: par)
            }
            prof.time(.activation, .forward) {
                switch config.activation {
                case .gelu: geluForward(fcAct, fc, count: r * h, parallel: par)
                case .swiglu: swigluForward(fcAct, fc, rows: r, hidden: h, parallel: par)
                }
            }
            prof.time(.mlpMatmul, .forward) { residualMatmul(xOut, xMid, fcAct, blk.fcProjWeight, blk.fcProjBias, rows: r, inFeatures: h) }
        }
        prof.time(.norm, .forward) {
            normForward(a.finalNorm, a.finalMean, a.finalRstd, a.resid + config.nLayer * r * c,
                        layout.finalNormWeight, layout.finalNormBias, rows: r)
        }
        prof.time(.headMatmul, .forward) {
            matmulForward(a.logits, a.finalNorm, p + layout.head, nil, rows: r, inFeatures: c, outFeatures: v, parallel: par)
        }
        guard let targets else { return 0 }
        var total = 0.0
        prof.time(.crossEntropy, .forward) {
            total = training
                ? crossEntropyForwardBackward(logits: a.logits, losses: a.losses, targets: targets, rows: r, vocab: v,
                                              gradScale: gradScale, parallel: par)
                : crossEntropyForward(losses: a.losses, logits: a.logits, targets: targets, rows: r, vocab: v, parallel: par)
        }
        return total / Double(r)
    }

    /// out = residual + inp · Wᵀ + bias, the residual add fused into the GEMM (beta = 1).
    private func residualMatmul(_ out: UnsafeMutablePointer<Float>, _ residual: UnsafePointer<Float>,
                                _ inp: UnsafePointer<Float>, _ weight: Int, _ bias: Int?, rows r: Int, inFeatures k: Int) {
        let c = config.dModel, p = params.baseAddress!
        if let bias {
            let bp = p + bias
            parallel.ranges(r, grain: 256) { rows in
                for row in rows { for i in 0..<c { out[row * c + i] = residual[row * c + i] + bp[i] } }
            }
        } else {
            out.update(from: residual, count: r * c)
        }
        sgemm(transA: false, transB: true, m: r, n: c, k: k, a: inp, lda: k, b: p + weight, ldb: k,
              beta: 1, c: out, ldc: c, parallel: parallel)
    }

    private func normForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
                             _ rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                             _ weight: Int, _ bias: Int?, rows r: Int) {
        let p = params.baseAddress!
        switch config.norm {
        case .layernorm:
            layerNormForward(out, mean: mean, rstd: rstd, x, weight: p + weight, bias: p + bias!, rows: r,
                             channels: config.dModel, parallel: parallel)
        case .rmsnorm:
            rmsNormForward(out, rstd: rstd, x, weight: p + weight, rows: r, channels: config.dModel, parallel: parallel)
        }
    }

    // MARK: backward

    /// Accumulates into `grads` the gradient of the loss of the last `forward(training: true)`.
    public func backward(tokens: UnsafePointer<Int32>, batch b: Int) {
        let a = buffers(batch: b)
        let t = config.context, c = config.dModel, r = b * t, v = config.vocabSize
        let nh = config.nHead, h = config.hidden, f = a.fcWidth
        let p = params.baseAddress!, g = grads.baseAddress!, par = parallel, prof = profile
        // Head: logits already hold dlogits.
        prof.time(.headMatmul, .backward) {
            matmulBackward(dinp: a.dnorm, dweight: g + layout.head, dbias: nil, dout: a.logits, inp: a.finalNorm,
                           weight: p + layout.head, rows: r, inFeatures: c, outFeatures: v, parallel: par)
        }
        prof.time(.norm, .backward) {
            a.dresid.update(repeating: 0, count: r * c)
            normBackward(a.dresid, a.dnorm, a.resid + config.nLayer * r * c, a.finalMean, a.finalRstd,
                         layout.finalNormWeight, layout.finalNormBias, rows: r)
        }
        for (l, blk) in layout.blocks.enumerated().reversed() {
            let x = a.resid + l * r * c, xMid = a.residMid + l * r * c
            let n1 = a.norm1 + l * r * c, qkv = a.qkv + l * r * 3 * c, att = a.attn + l * r * c
            let n2 = a.norm2 + l * r * c, fc = a.fc + l * r * f, fcAct = a.fcAct + l * r * h
            // MLP branch: dresid is the gradient of the block's output.
            prof.time(.mlpMatmul, .backward) {
                matmulBackward(dinp: a.dfcAct, dweight: g + blk.fcProjWeight, dbias: blk.fcProjBias.map { g + $0 },
                               dout: a.dresid, inp: fcAct, weight: p + blk.fcProjWeight, rows: r, inFeatures: h,
                               outFeatures: c, parallel: par)
            }
            prof.time(.activation, .backward) {
                switch config.activation {
                case .gelu: geluBackward(dx: a.dfc, dout: a.dfcAct, x: fc, count: r * h, parallel: par)
                case .swiglu: swigluBackward(dx: a.dfc, dout: a.dfcAct, x: fc, rows: r, hidden: h, parallel: par)
                }
            }
            prof.time(.mlpMatmul, .backward) {
                matmulBackward(dinp: a.dnorm, dweight: g + blk.fcWeight, dbias: blk.fcBias.map { g + $0 }, dout: a.dfc,
                               inp: n2, weight: p + blk.fcWeight, rows: r, inFeatures: c, outFeatures: f, parallel: par)
            }
            prof.time(.norm, .backward) {
                normBackward(a.dresid, a.dnorm, xMid, a.norm2Mean + l * r, a.norm2Rstd + l * r,
                             blk.norm2Weight, blk.norm2Bias, rows: r)
            }
            // Attention branch: dresid is now the gradient of residMid.
            prof.time(.attentionMatmul, .backward) {
                matmulBackward(dinp: a.dattn, dweight: g + blk.projWeight, dbias: blk.projBias.map { g + $0 },
                               dout: a.dresid, inp: att, weight: p + blk.projWeight, rows: r, inFeatures: c,
                               outFeatures: c, parallel: par)
            }
            prof.time(.attention, .backward) {
                attentionBackward(dqkv: a.dqkv, dout: a.dattn, qkv: qkv, out: att, lse: a.lse + l * b * nh * t,
                                  workspace: a.attention, batch: b, tokens: t, channels: c, heads: nh, parallel: par)
            }
            if let rope { prof.time(.rope, .backward) { ropeBackward(a.dqkv, table: rope, batch: b, tokens: t, channels: c, heads: nh, parallel: par) } }
            prof.time(.attentionMatmul, .backward) {
                matmulBackward(dinp: a.dnorm, dweight: g + blk.qkvWeight, dbias: blk.qkvBias.map { g + $0 }, dout: a.dqkv,
                               inp: n1, weight: p + blk.qkvWeight, rows: r, inFeatures: c, outFeatures: 3 * c, parallel: par)
            }
            prof.time(.norm, .backward) {
                normBackward(a.dresid, a.dnorm, x, a.norm1Mean + l * r, a.norm1Rstd + l * r,
                             blk.norm1Weight, blk.norm1Bias, rows: r)
            }
        }
        prof.time(.embedding, .backward) {
            embeddingBackward(dwte: g + layout.tokenEmbedding, dwpe: layout.positionEmbedding.map { g + $0 },
                              dout: a.dresid, tokens: tokens, batch: b, tokens: t, channels: c, parallel: par)
        }
    }

    private func normBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                              _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
                              _ weight: Int, _ bias: Int?, rows r: Int) {
        let p = params.baseAddress!, g = grads.baseAddress!
        switch config.norm {
        case .layernorm:
            layerNormBackward(dx: dx, dweight: g + weight, dbias: g + bias!, dout: dout, x: x, weight: p + weight,
                              mean: mean, rstd: rstd, rows: r, channels: config.dModel, parallel: parallel)
        case .rmsnorm:
            rmsNormBackward(dx: dx, dweight: g + weight, dout: dout, x: x, weight: p + weight, rstd: rstd,
                            rows: r, channels: config.dModel, parallel: parallel)
        }
    }

    /// Per-row losses of the last forward (R = B·T floats).
    public func lastLosses(batch: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: buffers(batch: batch).losses, count: batch * config.context)
    }

    /// Logits (R, V) of the last forward run without targets.
    public func lastLogits(batch: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: buffers(batch: batch).logits, count: batch * config.context * config.vocabSize)
    }
}
