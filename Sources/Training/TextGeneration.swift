import Foundation
import Model
import Support

/// How the next token is drawn from the model's logits.
public struct SamplingSettings: Sendable {
    /// Logits are divided by this; 0 means greedy (argmax, lowest id on ties).
    public var temperature: Double
    /// Only the k most likely tokens can be drawn; 0 keeps the whole vocabulary.
    public var topK: Int
    public var seed: UInt64
    public init(temperature: Double = 1, topK: Int = 0, seed: UInt64 = 0) {
        self.temperature = temperature; self.topK = topK; self.seed = seed
    }
}

/// Continues `prompt` by `count` tokens. The model runs full (1, T) windows, T = context: the last
/// min(n, T) tokens of the sequence sit at positions 0…m−1 and the rest of the window is padded
/// with token 0. Causal attention means position m−1 never sees the padding, so its logits are
/// exactly those of the unpadded sequence. Once the sequence is longer than the context, the
/// window slides (the oldest tokens drop out and positions restart at 0), as in nanoGPT's sampler.
/// Same model, prompt and settings give the same tokens.
public func generate(model: TransformerLM, prompt: [Int32], count: Int, settings: SamplingSettings,
                     onToken: (Int32) -> Void = { _ in }) throws -> [Int32] {
    guard !prompt.isEmpty else { throw ScaleLabError.invalid("--prompt: the prompt must hold at least one token") }
    let v = model.config.vocabSize, t = model.config.context
    if let bad = prompt.first(where: { $0 < 0 || Int($0) >= v }) {
        throw ScaleLabError.invalid("--prompt: token id \(bad) is outside the vocabulary (\(v))")
    }
    var rng = SeededRandom(seed: settings.seed)
    var sequence = prompt, out: [Int32] = []
    let window = UnsafeMutablePointer<Int32>.allocate(capacity: t)
    defer { window.deallocate() }
    var order = [Int](repeating: 0, count: v), probs = [Double](repeating: 0, count: v)
    for _ in 0..<count {
        let m = min(sequence.count, t)
        window.initialize(repeating: 0, count: t)
        for i in 0..<m { window[i] = sequence[sequence.count - m + i] }
        model.forward(tokens: window, targets: nil, batch: 1)
        let logits = UnsafeBufferPointer(rebasing: model.lastLogits(batch: 1)[((m - 1) * v)..<(m * v)])
        let next: Int
        if settings.temperature <= 0 {
            next = (0..<v).max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
        } else {
            for i in 0..<v { order[i] = i }
            let k = settings.topK > 0 ? min(settings.topK, v) : v
            if k < v { order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) } }
            let top = Double(logits[order[0..<k].max { logits[$0] < logits[$1] }!])
            var total = 0.0
            for j in 0..<k {
                probs[j] = Foundation.exp((Double(logits[order[j]]) - top) / settings.temperature)
                total += probs[j]
            }
            var u = rng.nextDouble() * total, pick = k - 1
            for j in 0..<k { u -= probs[j]; if u < 0 { pick = j; break } }
            next = order[pick]
        }
        sequence.append(Int32(next)); out.append(Int32(next))
        onToken(Int32(next))
    }
    return out
}

/// A trained run, loaded from its newest valid checkpoint.
public struct TrainedRun {
    public let directory: URL
    public let checkpoint: Checkpoint
    public let model: TransformerLM
    public var config: RunConfig { checkpoint.config }

    public init(directory: URL, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                warn: (String) -> Void = { _ in }) throws {
        guard let c = CheckpointStore(runDirectory: directory).newestValid(warn: warn) else {
            throw ScaleLabError.io(path: directory.path, reason: "no valid checkpoint in checkpoints/ (train the run first)")
        }
        self.directory = directory; checkpoint = c
        model = try c.loadModel(threads: threads)
    }

    /// Whether ids are raw bytes: text read by the built-in byte-level tokenizer (no tokenizer.json).
    public var isByteLevel: Bool {
        !FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer.json").path)
            && (config.data.text != nil || config.model.vocabSize == 256)
    }

    /// Samples a continuation of `prompt` and returns prompt + continuation as text. Byte-level runs
    /// only: a run with a BPE `tokenizer.json` needs the Tokenizer module to encode the prompt.
    public func sample(prompt: String, tokens: Int, settings: SamplingSettings, onText: (String) -> Void = { _ in }) throws -> String {
        guard isByteLevel else {
            throw ScaleLabError.invalid("\(directory.path): sampling from a run with a BPE tokenizer (tokenizer.json, or token files with vocab_size \(config.model.vocabSize)) is not supported yet; only byte-level runs can be sampled")
        }
        let ids = prompt.utf8.map { Int32($0) }
        var pending: [UInt8] = []
        let out = try generate(model: model, prompt: ids, count: tokens, settings: settings) { id in
            // Emit text as soon as the bytes form whole UTF-8 characters.
            pending.append(UInt8(truncatingIfNeeded: id))
            if let s = String(validating: pending, as: UTF8.self) { onText(s); pending.removeAll() }
            else if pending.count >= 4 { onText(String(decoding: pending, as: UTF8.self)); pending.removeAll() }
        }
        if !pending.isEmpty { onText(String(decoding: pending, as: UTF8.self)) }
        return prompt + String(decoding: out.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    }
}
