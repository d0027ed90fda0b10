import ArgumentParser
import Foundation
import Support
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one model from a YAML config and write its run directory.",
        discussion: """
        Writes <out>/config.yaml (resolved), metrics.csv, summary.json and checkpoints/ (every \
        training.checkpoint_interval steps and at the end). A run directory that holds a checkpoint is \
        resumed from its newest valid one, exactly: the finished metrics.csv is the one an uninterrupted \
        run writes (apart from the seconds column). A checkpoint saved under a different config is \
        refused; --force starts over. SIGINT, SIGTERM or SIGHUP finish the current step, write a \
        checkpoint and summary.json with status `interrupted` (a second signal ends at once); running \
        the command again continues. Only one process may train in a run directory at a time. \
        Exit status: 0 when the run finished, 1 on bad input, 3 when it diverged (non-finite loss; \
        summary.json says so), 4 when interrupted.
        """)

    @Argument(help: "The run's YAML config, e.g. configs/tiny.yaml.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value, e.g. --set model.d_model=128 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Run directory (default: runs/<name>).")
    var out: String?

    @Option(parsing: .unconditional, help: "Worker threads (default: the config's `threads`, 0 = all cores).")
    var threads: Int?

    @Flag(help: "Start over: delete the run directory's checkpoints and replace its results.")
    var force = false

    func validate() throws {
        if let threads, threads < 0 { throw ValidationError("--threads must be ≥ 0 (0 = all cores), got \(threads)") }
    }

    func run() throws {
        var sets = overrides
        if let threads { sets.append("threads=\(threads)") }
        let cfg = try RunConfig.load(path: config, overrides: sets)
        let dir = URL(fileURLWithPath: out ?? "runs/\(cfg.name)")
        let printer = ProgressPrinter(logInterval: cfg.training.logInterval)
        StopSignals.install()
        let summary = try train(config: cfg, runDirectory: dir, options: TrainingOptions(startOver: force, stopRequested: { StopSignals.requested != nil }),
                                events: printer.handle)
        print("results: \(dir.path)/ (config.yaml, metrics.csv, summary.json, checkpoints/)")
        try exitStatus(of: summary)
    }
}
