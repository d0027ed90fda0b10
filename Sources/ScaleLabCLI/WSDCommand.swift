import ArgumentParser
import Foundation
import Support
import Sweep
import Training

struct WSDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wsd",
        abstract: "Train several lengths of one WSD run cheaply: a stable trunk and a short cooldown branch per length.",
        discussion: """
        The config's schedule must be wsd (or power). The trunk trains to (1 − decay_fraction)·D_max, \
        checkpointing at (1 − decay_fraction)·D_i for each length; each branch resumes there and runs \
        only its decay to D_i, giving bit for bit the metrics.csv of a fresh run of D_i tokens. \
        Writes <out>/trunk/, <out>/tokens-<D>/ (ordinary run directories; summary.json records the \
        branch's cost) and <out>/sweep.json (the sweep's compute against fresh runs). Re-running \
        resumes whatever was interrupted; re-running a finished sweep changes no file. SIGINT, SIGTERM or \
        SIGHUP stop after the current step with a checkpoint (exit status 4).
        """)

    @Argument(help: "The run's YAML config (training.steps is ignored: the lengths come from --tokens).")
    var config: String

    @Option(help: ArgumentHelp("Training lengths in tokens, increasing, each a multiple of batch_size·grad_accum·context.", valueName: "D1,D2,..."))
    var tokens: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Sweep directory (default: runs/<name>-wsd).")
    var out: String?

    @Option(parsing: .unconditional, help: "Worker threads (default: the config's `threads`).")
    var threads: Int?

    @Flag(help: "Start over: discard the sweep's checkpoints.")
    var force = false

    func parsedTokens() throws -> [Int] {
        try tokens.split(separator: ",").map {
            guard let d = Int($0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--tokens: '\($0)' is not a whole number of tokens")
            }
            return d
        }
    }

    func validate() throws {
        _ = try parsedTokens()
        if let threads, threads < 0 { throw ValidationError("--threads must be ≥ 0 (0 = all cores), got \(threads)") }
    }

    func run() throws {
        var sets = overrides
        if let threads { sets.append("threads=\(threads)") }
        let cfg = try RunConfig.load(path: config, overrides: sets)
        let dir = URL(fileURLWithPath: out ?? "runs/\(cfg.name)-wsd")
        let printer = ProgressPrinter(logInterval: cfg.training.logInterval)
        StopSignals.install()
        let r = try WSDSweep.run(config: cfg, tokens: try parsedTokens(), directory: dir, startOver: force,
                                 stopRequested: { StopSignals.requested != nil }, events: printer.handle)
        print("tokens        steps  branch@  final val loss  cooldown FLOPs  fresh-run FLOPs")
        for b in r.branches {
            print(String(format: "%-12d %6d %8d %15@ %15.3e %16.3e", b.tokens, b.steps, b.branchedAtStep,
                         b.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a", b.cooldownFlops, b.freshRunFlops))
        }
        print(String(format: "sweep %.3e FLOPs = %.3f × the longest run (bound 1 + f·ΣD/D_max = %.3f); fresh runs would cost %.3e (%.2f× more)",
                     r.sweepFlops, r.costRelativeToLongest, r.bound, r.freshFlops, r.savingFactor))
        print("results: \(dir.path)/ (sweep.json, trunk/, tokens-*/)")
    }
}
