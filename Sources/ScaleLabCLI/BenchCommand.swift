import ArgumentParser
import Foundation
import Support
import Benchmarks
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

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        let n = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let chosen = (presets.isEmpty ? Benchmark.defaultPresets : presets).map(Benchmark.preset)
        let report = try Benchmark.measure(chosen, threads: n, seconds: seconds) { r in
            if !json { FileHandle.standardError.write(Data("timed \(r.name): \(Int(r.tokensPerS)) tokens/s\n".utf8)) }
        }
        if json { print(try JSONOutput.string(report), terminator: ""); return }
        print(String(format: "sgemm 2048³ with %d thread(s): %.1f GFLOP/s (OpenBLAS threading itself %.1f, per-thread blocks %.1f; best before and after)",
                     n, report.sgemmGflops, report.sgemm.openBLASThreadsGflops, report.sgemm.blockSplitGflops))
        print("preset          tokens/s   model GFLOP/s   MFU    ms/step   peak RSS")
        for r in report.presets {
            let name = r.name.padding(toLength: 14, withPad: " ", startingAt: 0)
            print(name + String(format: " %9.0f %15.1f %6.3f %9.1f %7.0f MiB", r.tokensPerS, r.modelGflops, r.mfu,
                                r.msPerStep, r.peakRSSMiB))
        }
    }
}
