import Foundation
import Kernels
import Model
import Support
import Training
#if canImport(Glibc)
import Glibc
#endif

/// Times full training steps (forward, backward, clipping, AdamW) and compares the model FLOP rate
/// with OpenBLAS's sgemm rate on a large square multiply measured in the same run, with the same
/// thread count. MFU = model FLOP/s ÷ that sgemm FLOP/s, where model FLOPs per token =
/// 6·N_non-embedding + 6·V·d + 6·L·T·d (`ModelAccounting.flopsPerTokenFull`).
public enum Benchmark {
    public struct Preset: Sendable {
        public let name: String
        public let model: ModelConfig
        public let batch: Int
        public init(name: String, model: ModelConfig, batch: Int) { self.name = name; self.model = model; self.batch = batch }
    }

    /// The shapes `scalelab bench` can time (`--preset`).
    public enum PresetName: String, CaseIterable, Sendable {
        case tiny, small, medium, large
        case mediumLlama = "medium-llama"
        /// The shapes the quickstart and the labs train (GPT-2, aspect ratio 16, head size 8,
        /// context 128, bytes, batch 16), so the throughput studies get is tracked.
        case studyD32 = "study-d32", studyD48 = "study-d48", studyD96 = "study-d96"
    }

    /// Shapes (d_model, n_layer, n_head, context, vocab, batch), GPT-2 architecture unless named -llama.
    public static func preset(_ name: PresetName) -> Preset {
        func gpt2(_ c: Int, _ l: Int, _ h: Int, _ t: Int, _ v: Int, _ b: Int) -> Preset {
            Preset(name: name.rawValue, model: ModelConfig(preset: .gpt2, dModel: c, nLayer: l, nHead: h, context: t, vocabSize: v), batch: b)
        }
        func llama(_ c: Int, _ l: Int, _ h: Int, _ t: Int, _ v: Int, _ b: Int) -> Preset {
            Preset(name: name.rawValue, model: ModelConfig(preset: .llama, dModel: c, nLayer: l, nHead: h, context: t, vocabSize: v), batch: b)
        }
        switch name {
        case .tiny: return gpt2(64, 2, 2, 128, 512, 32)
        case .small: return gpt2(128, 4, 4, 256, 2048, 16)
        case .medium: return gpt2(256, 6, 8, 256, 4096, 16)
        case .large: return gpt2(384, 6, 6, 512, 8192, 8)
        case .mediumLlama: return llama(256, 6, 8, 256, 4096, 16)
        case .studyD32: return gpt2(32, 2, 4, 128, 256, 16)
        case .studyD48: return gpt2(48, 3, 6, 128, 256, 16)
        case .studyD96: return gpt2(96, 6, 12, 128, 256, 16)
        }
    }

    public static let defaultPresets: [PresetName] = [.tiny, .small, .medium, .large, .studyD32, .studyD48, .studyD96]

    public struct PresetResult: Codable, Sendable {
        public let name: String
        public let tokensPerS: Double
        public let modelGflops: Double
        public var mfu: Double
        public let msPerStep: Double
        public let steps: Int
        public let flopsPerToken: Double
        public let nParamsNonEmbedding: Int
        public let peakRSSMiB: Double
        /// Per-kernel wall time of a second, profiled pass (`--profile`); nil otherwise.
        public var profile: [KernelTime]?
        enum CodingKeys: String, CodingKey {
            case name, tokensPerS = "tokens_per_s", modelGflops = "model_gflops", mfu, msPerStep = "ms_per_step", steps
            case flopsPerToken = "flops_per_token", nParamsNonEmbedding = "n_params_non_embedding"
            case peakRSSMiB = "peak_rss_mib", profile
        }
    }

    /// One kernel's time per step in each pass, and its share of the profiled step's wall time.
    /// The kernel "other" is what no timer covered (the step's own bookkeeping).
    public struct KernelTime: Codable, Sendable {
        public let kernel: String
        public let forwardMs: Double
        public let backwardMs: Double
        public let updateMs: Double
        public let share: Double
        enum CodingKeys: String, CodingKey {
            case kernel, share, forwardMs = "forward_ms", backwardMs = "backward_ms", updateMs = "update_ms"
        }
    }

    /// The sgemm ceiling: the best rate a 2048³ multiply reached with `threads` threads, whether
    /// OpenBLAS threads it itself or ScaleLab cuts it into per-thread blocks, over several calls;
    /// and, where linear layers run ScaleLab's own GEMM (`LinearGEMM`), that kernel's rate on the
    /// same multiply, so MFU is measured against the best GEMM this machine runs.
    public struct Ceiling: Codable, Sendable {
        public var gflops: Double { max(openBLASThreadsGflops, blockSplitGflops, smallKernelGflops) }
        public var openBLASThreadsGflops: Double
        public var blockSplitGflops: Double
        /// 0 where OpenBLAS runs every linear layer.
        public var smallKernelGflops: Double
        /// The kernel family OpenBLAS chose ("Haswell", "SkylakeX", "Prescott", …).
        public var openBLASCore = OpenBLAS.coreName
        enum CodingKeys: String, CodingKey {
            case openBLASThreadsGflops = "openblas_threads_gflops", blockSplitGflops = "block_split_gflops"
            case smallKernelGflops = "small_kernel_gflops", openBLASCore = "openblas_core"
        }
        mutating func merge(_ other: Ceiling) {
            openBLASThreadsGflops = max(openBLASThreadsGflops, other.openBLASThreadsGflops)
            blockSplitGflops = max(blockSplitGflops, other.blockSplitGflops)
            smallKernelGflops = max(smallKernelGflops, other.smallKernelGflops)
        }
    }

    public struct Report: Codable, Sendable {
        public let sgemmGflops: Double
        public let sgemm: Ceiling
        public let threads: Int
        public let presets: [PresetResult]
        enum CodingKeys: String, CodingKey { case sgemmGflops = "sgemm_gflops", sgemm, threads, presets }
    }

    /// Measures the ceiling, times each preset, measures the ceiling again, and states every MFU
    /// against the best ceiling seen: a load burst during one ceiling measurement cannot inflate MFU.
    public static func measure(_ presets: [Preset], threads: Int, seconds: Double, profile: Bool = false,
                               progress: (PresetResult) -> Void = { _ in }) throws -> Report {
        var ceiling = sgemmCeiling(threads: threads)
        var results: [PresetResult] = []
        for p in presets {
            let r = try run(p, threads: threads, seconds: seconds, sgemmGflops: ceiling.gflops, profile: profile)
            results.append(r); progress(r)
        }
        ceiling.merge(sgemmCeiling(threads: threads))
        for i in results.indices { results[i].mfu = results[i].modelGflops / ceiling.gflops }
        return Report(sgemmGflops: ceiling.gflops, sgemm: ceiling, threads: threads, presets: results)
    }

    public static func sgemmCeiling(threads: Int) -> Ceiling {
        // The smallest layer a study trains: where any layer runs ScaleLab's kernel, this one does.
        let usesSmall = LinearGEMM.choice(inFeatures: 16, outFeatures: 16) != .openBLAS
        return Ceiling(openBLASThreadsGflops: sgemmGflops(threads: threads, split: false),
                       blockSplitGflops: threads > 1 ? sgemmGflops(threads: threads, split: true) : 0,
                       smallKernelGflops: usesSmall ? smallKernelGflops(threads: threads) : 0)
    }

    /// Best of `repeats` 2048³ multiplies with `threads` threads: OpenBLAS threading the call itself
    /// (`split` false), or single-threaded OpenBLAS on per-thread row blocks as training runs it.
    public static func sgemmGflops(threads: Int, split: Bool, size n: Int = 2048, repeats: Int = 5) -> Double {
        if !split { OpenBLAS.setThreads(threads) }
        defer { OpenBLAS.setThreads(1) }
        let parallel = split ? Parallel(threads: threads) : .serial
        return bestSquareGflops(size: n, repeats: repeats) { a, b, c in
            sgemm(transA: false, transB: false, m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, beta: 0, c: c, ldc: n,
                  parallel: parallel)
        }
    }

    /// Best of `repeats` 2048³ multiplies by ScaleLab's linear-layer kernel (`LinearGEMM.small`).
    public static func smallKernelGflops(threads: Int, size n: Int = 2048, repeats: Int = 5) -> Double {
        let parallel = Parallel(threads: threads)
        return bestSquareGflops(size: n, repeats: repeats) { a, b, c in
            matmulForward(c, a, b, nil, rows: n, inFeatures: n, outFeatures: n, parallel: parallel, gemm: .small(bits: SIMDVariant.bits))
        }
    }

    /// The rate of the fastest of `repeats` calls of `multiply` on random n × n operands.
    static func bestSquareGflops(size n: Int, repeats: Int,
                                 _ multiply: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * n), b = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        var rng = SeededRandom(seed: 1)
        for i in 0..<(n * n) { a[i] = rng.nextFloat() - 0.5; b[i] = rng.nextFloat() - 0.5; c[i] = 0 }
        var best = Double.infinity
        for _ in 0..<repeats {
            let s = now()
            multiply(a, b, c)
            best = min(best, now() - s)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }

    /// Times `preset` for at least `seconds` (and 3 steps) after `warmup` steps. With `profile`,
    /// a second pass as long again times every kernel; the throughput comes from the first,
    /// unprofiled pass, so the timers cannot slow the reported rate.
    public static func run(_ preset: Preset, threads: Int, seconds: Double = 3, warmup: Int = 2,
                           sgemmGflops: Double, profile: Bool = false) throws -> PresetResult {
        let model = try TransformerLM(config: preset.model, seed: 1, threads: threads)
        let optimizer = AdamW(layout: model.layout, settings: AdamWSettings(), weightDecay: 0.1, decayEmbeddings: false)
        let stepper = TrainingStep(model: model, optimizer: optimizer, gradClip: 1)
        let rows = preset.batch * preset.model.context
        let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: rows), targets = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
        defer { inputs.deallocate(); targets.deallocate() }
        var rng = SeededRandom(seed: 2)
        let v = UInt64(preset.model.vocabSize)
        for i in 0..<rows { inputs[i] = Int32(rng.next() % v); targets[i] = Int32(rng.next() % v) }
        func step() { _ = stepper.step(batch: preset.batch, microBatches: 1, lr: 3e-4, inputs: inputs, targets: targets) { _, _, _ in } }
        for _ in 0..<warmup { step() }
        var steps = 0
        let start = now()
        while steps < 3 || now() - start < seconds { step(); steps += 1 }
        let elapsed = now() - start
        let tokensPerS = Double(steps * rows) / elapsed
        let flops = model.accounting.flopsPerTokenFull
        var result = PresetResult(name: preset.name, tokensPerS: tokensPerS, modelGflops: tokensPerS * flops / 1e9,
                                  mfu: tokensPerS * flops / 1e9 / sgemmGflops, msPerStep: elapsed / Double(steps) * 1000,
                                  steps: steps, flopsPerToken: flops, nParamsNonEmbedding: model.accounting.nParamsNonEmbedding,
                                  peakRSSMiB: peakResidentMiB())
        if profile {
            let recorder = StepProfile()
            model.profile = recorder
            defer { model.profile = nil }
            var profiled = 0
            let start = now()
            while profiled < 3 || now() - start < seconds { step(); profiled += 1 }
            result.profile = kernelTimes(recorder, steps: profiled, wallSeconds: now() - start)
        }
        return result
    }

    /// Per-step milliseconds per kernel and pass, largest share first, with the uncovered rest.
    static func kernelTimes(_ p: StepProfile, steps: Int, wallSeconds: Double) -> [KernelTime] {
        let perStep = 1000 / Double(steps), wallMs = wallSeconds * perStep
        var rows = StepProfile.Kernel.allCases.map { k in
            KernelTime(kernel: k.rawValue, forwardMs: p.seconds(k, .forward) * perStep, backwardMs: p.seconds(k, .backward) * perStep,
                       updateMs: p.seconds(k, .update) * perStep,
                       share: (p.seconds(k, .forward) + p.seconds(k, .backward) + p.seconds(k, .update)) * perStep / wallMs)
        }.filter { $0.share > 0 }
        rows.sort { $0.share > $1.share }
        let other = max(0, wallMs - p.totalSeconds * perStep)
        rows.append(KernelTime(kernel: "other", forwardMs: 0, backwardMs: 0, updateMs: other, share: other / wallMs))
        return rows
    }


    /// Monotonic seconds: the profiler's clock, so every benchmark times with one clock.
    static func now() -> Double { StepProfile.now() }
}

/// Peak resident set size of this process so far, in MiB.
public func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
}
