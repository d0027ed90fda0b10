import ArgumentParser
import Foundation
import Support
import Inference
import Training

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a trained run.",
        discussion: """
        Loads the run's newest checkpoint and continues the prompt. The model sees the last `context` \
        tokens (a sliding window), right-padded to a full window: causal attention keeps the padding \
        out of the prediction. Same seed, same text.
        """)

    @Argument(help: "The run directory (holding checkpoints/).")
    var runDirectory: String

    @Option(help: "Text to continue.")
    var prompt: String

    @Option(parsing: .unconditional, help: "Tokens to generate.")
    var tokens = 200

    @Option(parsing: .unconditional, help: "Sampling temperature; 0 = greedy.")
    var temperature = 0.8

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Draw only from the k most likely tokens; 0 = all.")
    var topK = 0

    @Option(parsing: .unconditional, help: "Random seed.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if tokens < 0 { throw ValidationError("--tokens must be ≥ 0") }
        if temperature < 0 || !temperature.isFinite { throw ValidationError("--temperature must be ≥ 0") }
        if topK < 0 { throw ValidationError("--top-k must be ≥ 0") }
        if prompt.isEmpty { throw ValidationError("--prompt must not be empty") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let run = try TrainedRun(directory: URL(fileURLWithPath: runDirectory),
                                 threads: threads ?? ProcessInfo.processInfo.activeProcessorCount) {
            log.warning("\($0)")
        }
        FileHandle.standardOutput.write(Data(prompt.utf8))
        _ = try run.sample(prompt: prompt, tokens: tokens, settings: SamplingSettings(temperature: temperature, topK: topK, seed: seed)) {
            FileHandle.standardOutput.write(Data($0.utf8))
        }
        print()
    }
}
