import ArgumentParser
import Foundation
import Support
import Benchmarks
import Kernels
import Sweep
import Training

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time full training steps and report tokens/s and MFU against OpenBLAS sgemm, measured in the same run.",
        discussion: """
        Model FLOPs per token = 6·N_non-embedding + 6·vocab·d_model + 6·n_layer·context·d_model. \
        MFU = model FLOP/s ÷ the FLOP/s of a 2048³ OpenBLAS sgemm with the same thread count. \
        Presets: \(Benchmark.PresetName.allCases.map(\.rawValue).joined(separator: ", ")).
        """)

    @Option(name: .customLong("preset"), help: "Preset to time (repeatable; default: \(Benchmark.defaultPresets.map(\.rawValue).joined(separator: ", "))).")
    var presets: [Benchmark.PresetName] = []

    @Option(parsing: .unconditional, help: "Threads (default: all cores).")
    var threads: Int?

    @Option(parsing: .unconditional, help: "Seconds of timed steps per preset (after warm-up).")
    var seconds: Double = 3

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "After timing each preset, time it again with a timer around every kernel and print each kernel's milliseconds per step (forward, backward, update) and share of the step.")
    var profile = false

    @Flag(help: "Instead of MFU: for each preset, tokens/s of one run on all cores against the total of one single-thread run per core side by side, the comparison the sweep engine makes (alternated, best of 3 each) to decide how many runs to place side by side.")
    var placement = false

    @Flag(help: "Instead of MFU: time one layer's attention core (forward and backward) of each preset on the sgemm path and on the small-head path in every vector width this CPU runs, with the speed-up of each.")
    var attention = false

    @Flag(help: "Instead of MFU: time each linear layer of each preset (forward and backward) on OpenBLAS and on the small-shape kernels in every vector width this CPU runs, with the speed-up of each and the path a run uses.")
    var linear = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        let n = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let chosen = (presets.isEmpty ? Benchmark.defaultPresets : presets).map(Benchmark.preset)
        if placement { return try comparePlacement(chosen, cores: n) }
        if attention { return try compareAttention(chosen, threads: n) }
        if linear { return try compareLinear(chosen, threads: n) }
        let report = try Benchmark.measure(chosen, threads: n, seconds: seconds, profile: profile) { r in
            if !json { FileHandle.standardError.write(Data("timed \(r.name): \(Int(r.tokensPerS)) tokens/s\n".utf8)) }
        }
        if json { print(try JSONOutput.string(report), terminator: ""); return }
        print(String(format: "sgemm 2048³ with %d thread(s): %.1f GFLOP/s (OpenBLAS threading itself %.1f, per-thread blocks %.1f; best before and after)",
                     n, report.sgemmGflops, report.sgemm.openBLASThreadsGflops, report.sgemm.blockSplitGflops))
        print("OpenBLAS kernels: \(report.sgemm.openBLASCore); ScaleLab's vectors: \(SIMDVariant.name(SIMDVariant.bits))"
              + (report.sgemm.smallKernelGflops > 0
                 ? String(format: "; linear layers run ScaleLab's kernels (OpenBLAS's are narrower), %.1f GFLOP/s on the same multiply", report.sgemm.smallKernelGflops)
                 : "; linear layers run OpenBLAS"))
        if let blasBits = OpenBLAS.vectorBits, blasBits < SIMDVariant.bits {
            print("note: OpenBLAS runs \(blasBits)-bit kernels on this \(SIMDVariant.bits)-bit CPU, so the ceiling above understates the machine and MFU can exceed 1; "
                  + "for the machine's own ceiling run this command with OPENBLAS_CORETYPE naming the CPU's kernel family (e.g. SkylakeX or Haswell)")
        }
        print("preset          tokens/s   model GFLOP/s   MFU    ms/step   peak RSS")
        for r in report.presets {
            let name = r.name.padding(toLength: 14, withPad: " ", startingAt: 0)
            print(name + String(format: " %9.0f %15.1f %6.3f %9.1f %7.0f MiB", r.tokensPerS, r.modelGflops, r.mfu,
                                r.msPerStep, r.peakRSSMiB))
        }
        for r in report.presets {
            guard let kernels = r.profile else { continue }
            print("\nprofile of \(r.name) (ms per step; timed in a second pass)")
            print("kernel                  forward  backward    update    share")
            for k in kernels {
                print(k.kernel.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + String(format: " %8.3f %9.3f %9.3f %7.1f%%", k.forwardMs, k.backwardMs, k.updateMs, 100 * k.share))
            }
        }
    }

    /// One run with `cores` threads against `cores` one-thread runs side by side, per preset.
    func comparePlacement(_ chosen: [Benchmark.Preset], cores: Int) throws {
        struct Row: Encodable {
            var preset: String; var oneRunTokensPerS: Double; var sideBySideTokensPerS: Double; var sideBySideGain: Double
            enum CodingKeys: String, CodingKey {
                case preset, oneRunTokensPerS = "one_run_all_cores_tokens_per_s", sideBySideTokensPerS = "side_by_side_total_tokens_per_s"
                case sideBySideGain = "side_by_side_gain"
            }
        }
        var rows: [Row] = []
        for p in chosen {
            let tokensPerStep = Double(p.batch * p.model.context)
            var one = Double.infinity, side = Double.infinity
            for _ in 0..<3 {  // alternated, so both modes see the same moments of a shared machine's load
                one = min(one, Throughput.measureSecondsPerStep(p.model, batch: p.batch, threads: cores, lanes: 1, seconds: seconds / 6))
                side = min(side, Throughput.measureSecondsPerStep(p.model, batch: p.batch, threads: 1, lanes: cores, seconds: seconds / 6))
            }
            let row = Row(preset: p.name, oneRunTokensPerS: tokensPerStep / one, sideBySideTokensPerS: Double(cores) * tokensPerStep / side,
                          sideBySideGain: one * Double(cores) / side)
            rows.append(row)
            if !json { FileHandle.standardError.write(Data("measured \(p.name)\n".utf8)) }
        }
        if json { print(try JSONOutput.string(rows), terminator: ""); return }
        print("preset          1 run × \(cores) threads   \(cores) runs × 1 thread (total)   side by side gains")
        for r in rows {
            print(r.preset.padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: " %13.0f tok/s %21.0f tok/s %18.2f×", r.oneRunTokensPerS, r.sideBySideTokensPerS, r.sideBySideGain))
        }
    }

    func compareAttention(_ chosen: [Benchmark.Preset], threads: Int) throws {
        let rows = AttentionBenchmark.measure(chosen, threads: threads, seconds: seconds)
        if json { print(try JSONOutput.string(rows), terminator: ""); return }
        print("attention core, forward + backward of one layer, \(threads) thread(s); this CPU's widest variant: \(SIMDVariant.name(SIMDVariant.bits)); * = the path runs use")
        print("preset          head size  path                  ms/layer   speed-up vs sgemm")
        for r in rows {
            print(r.preset.padding(toLength: 15, withPad: " ", startingAt: 0) + String(format: " %9d  ", r.headSize)
                  + (r.path + (r.chosen ? " *" : "")).padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %9.3f %12.2f×", r.msPerCall, r.speedup))
        }
    }

    func compareLinear(_ chosen: [Benchmark.Preset], threads: Int) throws {
        let rows = LinearBenchmark.measure(chosen, threads: threads, seconds: seconds)
        if json { print(try JSONOutput.string(rows), terminator: ""); return }
        print("linear layers, forward + backward, \(threads) thread(s); this CPU's widest variant: \(SIMDVariant.name(SIMDVariant.bits)); * = the path runs use")
        print("preset          layer       in × out     path                  ms/call   speed-up vs OpenBLAS")
        for r in rows {
            print(r.preset.padding(toLength: 15, withPad: " ", startingAt: 0) + " " + r.layer.padding(toLength: 10, withPad: " ", startingAt: 0)
                  + String(format: " %4d × %-5d  ", r.inFeatures, r.outFeatures)
                  + (r.path + (r.chosen ? " *" : "")).padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %9.3f %12.2f×", r.msPerCall, r.speedup))
        }
    }
}
