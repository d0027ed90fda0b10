import Kernels
import Support

/// The memory one training process needs for a model, computed from its config before anything
/// is allocated: the figure a config is checked against, and the one a sweep's dry-run shows.
/// Every product is overflow-checked, so a hostile config gets an error, not a trap.
public struct MemoryEstimate: Sendable, Equatable, Codable {
    /// Parameters and their gradients (float32).
    public let parameterBytes: Int
    /// AdamW's two moments.
    public let optimizerBytes: Int
    /// Activations kept for backward and backward's scratch, for one micro-batch.
    public let activationBytes: Int
    /// Attention's per-thread score blocks and the batch's token buffers.
    public let workspaceBytes: Int

    public var totalBytes: Int { parameterBytes + optimizerBytes + activationBytes + workspaceBytes }

    enum CodingKeys: String, CodingKey {
        case parameterBytes = "parameter_bytes", optimizerBytes = "optimizer_bytes"
        case activationBytes = "activation_bytes", workspaceBytes = "workspace_bytes"
    }

    /// Throws `invalidValue` naming the key whose size overflows.
    public static func training(config: ModelConfig, batchSize: Int, threads: Int) throws -> MemoryEstimate {
        func product(_ key: String, _ factors: Int...) throws -> Int {
            var p = 1
            for f in factors {
                let (r, overflow) = p.multipliedReportingOverflow(by: max(f, 0))
                guard !overflow else { throw ScaleLabError.invalidValue(key: key, reason: "the model's size overflows 64-bit arithmetic; choose smaller values") }
                p = r
            }
            return p
        }
        func sum(_ key: String, _ terms: [Int]) throws -> Int {
            var s = 0
            for t in terms {
                let (r, overflow) = s.addingReportingOverflow(t)
                guard !overflow else { throw ScaleLabError.invalidValue(key: key, reason: "the model's size overflows 64-bit arithmetic; choose smaller values") }
                s = r
            }
            return s
        }
        let c = config.dModel, l = config.nLayer, v = config.vocabSize, t = config.context
        // Parameter count bounded before ParameterLayout multiplies anything.
        _ = try product("model.d_model", c, c, l, 16)
        _ = try product("model.vocab_size", v, c, 4)
        _ = try product("model.context", t, c, 4)
        let rows = try product("training.batch_size", batchSize, t)
        _ = try product("training.batch_size", rows, max(v, 4 * c, 3 * c + config.hidden * 2), l + 1, 4)
        let params = ParameterLayout(config).count
        let floatBytes = MemoryLayout<Float>.size
        let parameterBytes = try product("model", params, 2, floatBytes)
        let optimizerBytes = try product("model", params, 2, floatBytes)
        let activations = try sum("training.batch_size", ActivationBuffers.sizes(config: config, batch: batchSize))
        let activationBytes = try product("training.batch_size", activations, floatBytes)
        // The sgemm path's workspace bounds the small-head path's, so checking it rules out overflow in both.
        _ = try product("model.context", max(threads, 1), AttentionWorkspace.queryBlock, t, 2, floatBytes)
        let attention = AttentionWorkspace.floats(threads: max(threads, 1), context: t, headSize: config.dModel / config.nHead) * floatBytes
        let tokens = try product("training.batch_size", rows, 2, MemoryLayout<Int32>.size)
        // The total too, so `totalBytes` cannot overflow for a config that passed.
        _ = try sum("model", [parameterBytes, optimizerBytes, activationBytes, try sum("model", [attention, tokens])])
        return MemoryEstimate(parameterBytes: parameterBytes, optimizerBytes: optimizerBytes, activationBytes: activationBytes,
                              workspaceBytes: try sum("model", [attention, tokens]))
    }
}
