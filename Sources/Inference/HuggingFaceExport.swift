import Foundation
import Model
import Shards
import Support
import Training

/// Exports a trained run for Hugging Face `transformers`: `config.json` and `model.safetensors`
/// that load as `GPT2LMHeadModel` (the gpt2 preset) or `LlamaForCausalLM` (the llama preset), plus
/// the run's `tokenizer.json` when it has one.
///
/// Name and layout mapping (ours → Hugging Face):
///
///     gpt2   token_embedding → transformer.wte, position_embedding → transformer.wpe,
///            layers.i.norm1/norm2 → transformer.h.i.ln_1/ln_2, final_norm → transformer.ln_f,
///            attn.qkv → attn.c_attn, attn.proj → attn.c_proj, mlp.fc → mlp.c_fc,
///            mlp.proj → mlp.c_proj. GPT-2's Conv1D stores (in, out): every weight is transposed.
///            q, k, v are fused in the same order in both. Head tied to wte (lm_head omitted) unless
///            the run untied it. GELU tanh = `gelu_new`; LayerNorm eps 1e-5.
///     llama  token_embedding → model.embed_tokens, norm1 → input_layernorm, norm2 →
///            post_attention_layernorm, final_norm → model.norm, lm_head → lm_head; the fused qkv
///            (3C, C) splits into q_proj, k_proj, v_proj; the fused fc (2H, C) = [gate; up] into
///            gate_proj, up_proj; mlp.proj → down_proj; attn.proj → o_proj. nn.Linear stores
///            (out, in) like we do: no transposes. RoPE is already in the rotate-half layout
///            (θ = 10000); RMSNorm eps 1e-5.
///
/// Alongside, for `scripts/check_hf_export.py`: `scalelab_eval.json` (ScaleLab's validation loss of
/// the exported parameters) and `scalelab_eval_tokens.bin` (the evaluation windows, each context + 1
/// tokens, uint32 little-endian), so the loss can be recomputed in PyTorch on the same tokens.
public enum HuggingFaceExport {
    public struct Result: Sendable {
        public let architecture: String
        public let files: [String]
        public let step: Int
        /// ScaleLab's mean loss over the evaluation windows (nil when the run's data is unavailable).
        public let validationLoss: Double?
    }

    public static func export(runDirectory: URL, to out: URL, overwrite: Bool = false,
                              warn: (String) -> Void = { _ in }) throws -> Result {
        let run = try TrainedRun(directory: runDirectory, warn: warn)
        let config = run.config, m = config.model
        let isGPT2 = m.norm == .layernorm && m.position == .learned && m.activation == .gelu && m.bias
        let isLlama = m.norm == .rmsnorm && m.position == .rope && m.activation == .swiglu && !m.bias
        guard isGPT2 || isLlama else {
            throw ScaleLabError.invalid("\(runDirectory.path): model (norm \(m.norm.rawValue), position \(m.position.rawValue), activation \(m.activation.rawValue), bias \(m.bias)) matches neither the gpt2 preset (layernorm, learned, gelu, bias) nor llama (rmsnorm, rope, swiglu, no bias), so it has no Hugging Face class")
        }
        let weights = out.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: weights.path) && !overwrite {
            throw ScaleLabError.invalid("\(out.path) already holds model.safetensors; pass --force to replace it")
        }
        let (tensors, hfConfig) = isGPT2 ? gpt2(run.model) : llama(run.model)
        var files = ["config.json", "model.safetensors"]
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        AtomicFile.removeStaleTemporaries(in: out)  // left by an export that was killed mid-write
        let data = try withBuffers(tensors) { try Safetensors.encode($0, metadata: ["format": "pt"], hashed: false) }
        try AtomicFile.write(data, to: weights)
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: hfConfig, options: [.prettyPrinted, .sortedKeys]),
                             to: out.appendingPathComponent("config.json"))
        let tokenizer = runDirectory.appendingPathComponent("tokenizer.json")
        if let t = FileManager.default.contents(atPath: tokenizer.path) {
            try AtomicFile.write(t, to: out.appendingPathComponent("tokenizer.json"))
            files.append("tokenizer.json")
        }
        var loss: Double?
        do {
            loss = try writeEvaluation(run: run, to: out)
            files += ["scalelab_eval.json", "scalelab_eval_tokens.bin"]
        } catch {
            warn("no validation check files: the run's data could not be loaded (\(error))")
        }
        return Result(architecture: isGPT2 ? "GPT2LMHeadModel" : "LlamaForCausalLM", files: files,
                      step: run.checkpoint.state.step, validationLoss: loss)
    }

    /// A named tensor of the export: its values in Hugging Face's layout.
    struct Named { let name: String; let shape: [Int]; let values: [Float] }

    static func gpt2(_ model: TransformerLM) -> ([Named], [String: Any]) {
        let m = model.config, lay = model.layout
        var out: [Named] = []
        func add(_ name: String, _ ours: String, transpose: Bool = false) {
            let t = lay.tensor(named: ours)!
            let src = Array(model.params[t.offset..<(t.offset + t.count)])
            if transpose {
                let (rows, cols) = (t.shape[0], t.shape[1])
                var dst = [Float](repeating: 0, count: t.count)
                for r in 0..<rows { for c in 0..<cols { dst[c * rows + r] = src[r * cols + c] } }
                out.append(Named(name: name, shape: [cols, rows], values: dst))
            } else {
                out.append(Named(name: name, shape: t.shape, values: src))
            }
        }
        add("transformer.wte.weight", "token_embedding")
        add("transformer.wpe.weight", "position_embedding")
        for l in 0..<m.nLayer {
            let ours = "layers.\(l).", hf = "transformer.h.\(l)."
            add(hf + "ln_1.weight", ours + "norm1.weight"); add(hf + "ln_1.bias", ours + "norm1.bias")
            add(hf + "attn.c_attn.weight", ours + "attn.qkv.weight", transpose: true)
            add(hf + "attn.c_attn.bias", ours + "attn.qkv.bias")
            add(hf + "attn.c_proj.weight", ours + "attn.proj.weight", transpose: true)
            add(hf + "attn.c_proj.bias", ours + "attn.proj.bias")
            add(hf + "ln_2.weight", ours + "norm2.weight"); add(hf + "ln_2.bias", ours + "norm2.bias")
            add(hf + "mlp.c_fc.weight", ours + "mlp.fc.weight", transpose: true)
            add(hf + "mlp.c_fc.bias", ours + "mlp.fc.bias")
            add(hf + "mlp.c_proj.weight", ours + "mlp.proj.weight", transpose: true)
            add(hf + "mlp.c_proj.bias", ours + "mlp.proj.bias")
        }
        add("transformer.ln_f.weight", "final_norm.weight"); add("transformer.ln_f.bias", "final_norm.bias")
        if !m.tieEmbeddings { add("lm_head.weight", "lm_head.weight") }
        let config: [String: Any] = [
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": m.vocabSize, "n_positions": m.context, "n_ctx": m.context, "n_embd": m.dModel,
            "n_layer": m.nLayer, "n_head": m.nHead, "n_inner": m.hidden, "activation_function": "gelu_new",
            "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
            "scale_attn_weights": true, "scale_attn_by_inverse_layer_idx": false, "reorder_and_upcast_attn": false,
            "initializer_range": m.initStd, "tie_word_embeddings": m.tieEmbeddings, "use_cache": true,
            "torch_dtype": "float32",
            // GPT2Config defaults both to 50256, outside a small vocabulary; we train without them.
            "bos_token_id": NSNull(), "eos_token_id": NSNull(),
        ]
        return (out, config)
    }

    static func llama(_ model: TransformerLM) -> ([Named], [String: Any]) {
        let m = model.config, lay = model.layout, c = m.dModel, h = m.hidden
        var out: [Named] = []
        /// Rows [from, from + rows) of a (R, cols) tensor.
        func add(_ name: String, _ ours: String, rows: Range<Int>? = nil) {
            let t = lay.tensor(named: ours)!
            let cols = t.shape.count == 2 ? t.shape[1] : 1
            let r = rows ?? 0..<t.shape[0]
            let start = t.offset + r.lowerBound * cols
            out.append(Named(name: name, shape: t.shape.count == 2 ? [r.count, cols] : [r.count],
                             values: Array(model.params[start..<(start + r.count * cols)])))
        }
        add("model.embed_tokens.weight", "token_embedding")
        for l in 0..<m.nLayer {
            let ours = "layers.\(l).", hf = "model.layers.\(l)."
            add(hf + "input_layernorm.weight", ours + "norm1.weight")
            add(hf + "self_attn.q_proj.weight", ours + "attn.qkv.weight", rows: 0..<c)
            add(hf + "self_attn.k_proj.weight", ours + "attn.qkv.weight", rows: c..<(2 * c))
            add(hf + "self_attn.v_proj.weight", ours + "attn.qkv.weight", rows: (2 * c)..<(3 * c))
            add(hf + "self_attn.o_proj.weight", ours + "attn.proj.weight")
            add(hf + "post_attention_layernorm.weight", ours + "norm2.weight")
            add(hf + "mlp.gate_proj.weight", ours + "mlp.fc.weight", rows: 0..<h)
            add(hf + "mlp.up_proj.weight", ours + "mlp.fc.weight", rows: h..<(2 * h))
            add(hf + "mlp.down_proj.weight", ours + "mlp.proj.weight")
        }
        add("model.norm.weight", "final_norm.weight")
        add("lm_head.weight", m.tieEmbeddings ? "token_embedding" : "lm_head.weight")
        let config: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": m.vocabSize, "hidden_size": c, "intermediate_size": h, "num_hidden_layers": m.nLayer,
            "num_attention_heads": m.nHead, "num_key_value_heads": m.nHead, "head_dim": m.headSize,
            "max_position_embeddings": m.context, "rms_norm_eps": 1e-5, "rope_theta": 10_000.0,
            "hidden_act": "silu", "attention_bias": false, "mlp_bias": false, "attention_dropout": 0.0,
            "initializer_range": m.initStd, "tie_word_embeddings": m.tieEmbeddings, "use_cache": true,
            "pretraining_tp": 1, "torch_dtype": "float32",
        ]
        return (out, config)
    }

    /// Lays the tensors out in one buffer and hands `body` views of it.
    static func withBuffers<R>(_ named: [Named], _ body: ([Safetensors.Tensor]) throws -> R) throws -> R {
        let all = named.flatMap(\.values)
        return try all.withUnsafeBufferPointer { buffer in
            var offset = 0
            let views = named.map { n -> Safetensors.Tensor in
                defer { offset += n.values.count }
                return .init(name: n.name, shape: n.shape, data: UnsafeBufferPointer(rebasing: buffer[offset..<(offset + n.values.count)]))
            }
            return try body(views)
        }
    }

    /// ScaleLab's loss on the run's evaluation windows, and the windows themselves.
    static func writeEvaluation(run: TrainedRun, to out: URL) throws -> Double {
        let c = run.config, t = c.training
        let data = try RunData.load(c.data, vocabSize: c.model.vocabSize, context: c.model.context)
        let offsets = evaluationOffsets(tokens: data.validation.count, context: c.model.context, count: t.evalBatches * t.batchSize)
        let loss = meanLoss(model: run.model, tokens: data.validation, offsets: offsets, batch: t.batchSize)
        var bytes = Data(capacity: offsets.count * (c.model.context + 1) * 4)
        for o in offsets {
            for id in (o...(o + c.model.context)).map({ data.validation[$0] }) {
                withUnsafeBytes(of: UInt32(id).littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        try AtomicFile.write(bytes, to: out.appendingPathComponent("scalelab_eval_tokens.bin"))
        let info: [String: Any] = [
            "val_loss": loss, "context": c.model.context, "windows": offsets.count, "dtype": "uint32",
            "tokens_file": "scalelab_eval_tokens.bin", "step": run.checkpoint.state.step,
            "note": "mean next-token cross-entropy (nats) over the windows: inputs = window[0..<context], targets = window[1...context]",
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted, .sortedKeys]),
                             to: out.appendingPathComponent("scalelab_eval.json"))
        return loss
    }
}
