import Foundation
import Kernels
@testable import Model
import Support
import Testing

@Suite struct ModelTests {
    func tinyConfig(_ preset: ModelConfig.Preset) -> ModelConfig {
        var c = ModelConfig(preset: preset, dModel: 16, nLayer: 2, nHead: 2, context: 9, vocabSize: 13)
        c.initStd = 0.3  // large enough that attention and the MLP are far from linear
        return c
    }

    /// Mean loss of the model with its current parameters.
    func loss(_ m: TransformerLM, _ tokens: [Int32], _ targets: [Int32], batch: Int) -> Double {
        tokens.withUnsafeBufferPointer { tp in targets.withUnsafeBufferPointer { gp in
            m.forward(tokens: tp.baseAddress!, targets: gp.baseAddress!, batch: batch)
        } }
    }

    @Test(arguments: [ModelConfig.Preset.gpt2, .llama])
    func wholeModelGradientMatchesFiniteDifferences(preset: ModelConfig.Preset) throws {
        let config = tinyConfig(preset)
        let model = try TransformerLM(config: config, seed: 1, threads: 2)
        let b = 2, r = b * config.context
        var rng = SeededRandom(seed: 2)
        let tokens = (0..<r).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        let targets = (0..<r).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        model.zeroGradients()
        tokens.withUnsafeBufferPointer { tp in targets.withUnsafeBufferPointer { gp in
            _ = model.forward(tokens: tp.baseAddress!, targets: gp.baseAddress!, batch: b, training: true,
                              gradScale: 1 / Float(r))
            model.backward(tokens: tp.baseAddress!, batch: b)
        } }
        let analytic = Array(model.grads)
        let maxGrad = analytic.map { abs(Double($0)) }.max()!
        // Check a spread of coordinates in every tensor.
        var worst = 0.0, worstName = ""
        let h: Float = 1e-2
        for tensor in model.layout.tensors {
            let picks = Set([0, tensor.count / 3, tensor.count / 2, tensor.count - 1])
            for i in picks {
                let idx = tensor.offset + i, orig = model.params[idx]
                model.params[idx] = orig + h; let up = loss(model, tokens, targets, batch: b)
                model.params[idx] = orig - h; let down = loss(model, tokens, targets, batch: b)
                model.params[idx] = orig
                let numeric = (up - down) / (2 * Double(h))
                let err = abs(numeric - Double(analytic[idx])) / maxGrad
                if err > worst { worst = err; worstName = "\(tensor.name)[\(i)] numeric \(numeric) analytic \(analytic[idx])" }
            }
        }
        #expect(worst < 5e-3, "\(preset): worst relative gradient error \(worst) at \(worstName)")
    }

    @Test func gpt2ParameterCountMatchesHandCount() {
        let c = 64, l = 2, v = 512, t = 128
        let config = ModelConfig(preset: .gpt2, dModel: c, nLayer: l, nHead: 2, context: t, vocabSize: v)
        let a = ModelAccounting(config)
        // Per block: 2 LayerNorms (2C each) + QKV (3C² + 3C) + proj (C² + C) + fc (4C² + 4C) + proj (4C² + C).
        let perBlock = 4 * c + 12 * c * c + 9 * c
        let nonEmbedding = l * perBlock + 2 * c  // + final LayerNorm
        #expect(a.nParamsNonEmbedding == nonEmbedding)
        #expect(a.nParamsEmbedding == v * c + t * c)  // tied: the head is the token embedding
        #expect(a.nParamsTotal == nonEmbedding + v * c + t * c)
        #expect(a.flopsPerTokenKaplan == 6 * Double(nonEmbedding))
        #expect(a.flopsPerTokenChinchilla == 6 * Double(a.nParamsTotal))
        #expect(a.flopsPerTokenFull == 6 * Double(nonEmbedding) + 6 * Double(v * c) + 6 * Double(l * t * c))
    }

    @Test func llamaParameterCountMatchesHandCount() {
        let c = 48, l = 3, v = 300
        let config = ModelConfig(preset: .llama, dModel: c, nLayer: l, nHead: 4, context: 32, vocabSize: v)
        let hidden = config.hidden
        #expect(hidden % 8 == 0 && abs(Double(hidden) - 8.0 / 3.0 * Double(c)) <= 4)
        let a = ModelAccounting(config)
        let perBlock = 2 * c + 4 * c * c + 3 * c * hidden  // 2 RMSNorm gains, QKV+proj, gate+up+down
        #expect(a.nParamsNonEmbedding == l * perBlock + c)
        #expect(a.nParamsEmbedding == 2 * v * c)  // untied input and output matrices, RoPE has none
    }

    @Test func sameSeedSameInitDifferentSeedDifferent() throws {
        let config = tinyConfig(.gpt2)
        let a = try TransformerLM(config: config, seed: 5), b = try TransformerLM(config: config, seed: 5)
        let c = try TransformerLM(config: config, seed: 6)
        #expect(Array(a.params) == Array(b.params))
        #expect(Array(a.params) != Array(c.params))
    }

    @Test func residualProjectionsUseScaledInit() throws {
        var config = ModelConfig(preset: .gpt2, dModel: 128, nLayer: 8, nHead: 4, context: 16, vocabSize: 64)
        config.initStd = 0.02
        let m = try TransformerLM(config: config, seed: 1)
        func std(_ name: String) -> Double {
            let t = m.layout.tensor(named: name)!
            let xs = (0..<t.count).map { Double(m.params[t.offset + $0]) }
            return (xs.reduce(0) { $0 + $1 * $1 } / Double(xs.count)).squareRoot()
        }
        #expect(abs(std("layers.0.attn.qkv.weight") - 0.02) < 0.001)
        #expect(abs(std("layers.0.mlp.proj.weight") - 0.02 / 4) < 0.0005)
    }

    @Test func invalidConfigsNameTheKey() {
        let bad = ModelConfig(preset: .gpt2, dModel: 30, nLayer: 1, nHead: 4, context: 8, vocabSize: 10)
        #expect(throws: ScaleLabError.invalidValue(key: "model.d_model", reason: "30 is not divisible by n_head = 4")) { try bad.validate() }
        var odd = ModelConfig(preset: .llama, dModel: 12, nLayer: 1, nHead: 4, context: 8, vocabSize: 10)
        odd.position = .rope
        #expect(throws: ScaleLabError.self) { try odd.validate() }
    }

    @Test func resultsDoNotDependOnThreadTiming() throws {
        let config = tinyConfig(.llama)
        let b = 3, r = b * config.context
        var rng = SeededRandom(seed: 9)
        let tokens = (0..<r).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        var runs: [[Float]] = []
        for _ in 0..<3 {
            let m = try TransformerLM(config: config, seed: 3, threads: 2)
            tokens.withUnsafeBufferPointer { tp in
                _ = m.forward(tokens: tp.baseAddress!, targets: tp.baseAddress!, batch: b, training: true, gradScale: 0.01)
                m.backward(tokens: tp.baseAddress!, batch: b)
            }
            runs.append(Array(m.grads))
        }
        #expect(runs[0] == runs[1] && runs[1] == runs[2])
    }
}

@Suite struct MemoryEstimateTests {
    @Test func activationsMatchWhatTheModelAllocates() throws {
        for preset in [ModelConfig.Preset.gpt2, .llama] {
            let config = ModelConfig(preset: preset, dModel: 32, nLayer: 2, nHead: 4, context: 16, vocabSize: 300)
            let model = try TransformerLM(config: config, seed: 1, threads: 1)
            let batch = 3
            let tokens = (0..<(batch * 16)).map { Int32($0 % 300) }
            _ = tokens.withUnsafeBufferPointer { t in model.forward(tokens: t.baseAddress!, targets: t.baseAddress!, batch: batch) }
            let estimate = try MemoryEstimate.training(config: config, batchSize: batch, threads: 1)
            #expect(estimate.activationBytes == model.activationBytes)
            #expect(estimate.parameterBytes == 8 * model.layout.count && estimate.optimizerBytes == 8 * model.layout.count)
        }
    }

    @Test func hugeConfigsAreErrorsNotTraps() {
        let huge = ModelConfig(preset: .gpt2, dModel: 1_000_000_000, nLayer: 100_000, nHead: 1, context: 1 << 40, vocabSize: 1 << 40)
        #expect(throws: ScaleLabError.self) { _ = try MemoryEstimate.training(config: huge, batchSize: 1 << 30, threads: 2) }
    }
}
