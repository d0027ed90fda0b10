import ArgumentParser
import Foundation
import Support
import Sweep

/// Where a sweep's runs execute.
enum SweepExecutorKind: String, CaseIterable, ExpressibleByArgument { case local, slurm }

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Plan and run a sweep of runs over N, D and V from one YAML file, here or on Slurm.",
        discussion: """
        Writes <runs-dir>/<name>/sweep.yaml (the resolved plan, every run by id), one run directory per \
        run id, results.csv (one row per run) and curves.csv (every logged step). Run ids hash the \
        resolved run config, so running an edited sweep reuses every run that did not change. Killing \
        the sweep at any moment and running the same command again continues where it stopped. \
        --dry-run prints the plan with parameter counts, FLOPs, memory and estimated time, and runs nothing.
        """)

    @Argument(help: "The sweep's YAML config, e.g. configs/examples/tiny-sweep.yaml.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a sweep value, e.g. --set base.training.lr=3e-3 or --set grid.seed=[1,2,3] (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Print the plan and its estimates; run nothing.")
    var dryRun = false

    @OptionGroup var placement: SweepRunOptions

    @Option(help: "Where runs execute.")
    var executor: SweepExecutorKind = .local

    @Flag(help: "Slurm: block until the arrays finish, collect results.csv, exit non-zero if a run failed.")
    var wait = false

    @Option(help: "Slurm partition (default: the config's slurm.partition, else the cluster's default).")
    var partition: String?

    @Option(help: "Slurm time limit per task, e.g. 01:00:00.")
    var time: String?

    @Option(help: "Slurm memory per task in MiB (default: the dry-run's estimate with headroom).")
    var memMib: Int?

    func validate() throws {
    }

    func run() throws {
        let sweep = try SweepConfig.load(path: config, overrides: overrides)
        let directory = SweepDirectory(URL(fileURLWithPath: placement.runsDir).appendingPathComponent(sweep.name))
        if dryRun {
            var plan = try Planner.plan(sweep)
            if !plan.deferred.isEmpty { plan = try Planner.plan(sweep, lrChoices: LRTuning.choices(plan.runs, directory: directory)) }
            let throughput = Throughput()
            var schedule: Schedule?
            if let jobs = placement.jobs, let threads = placement.threads { schedule = Schedule(jobs: jobs, threads: threads, seconds: 0) }
            let estimate = try Estimator.estimate(plan, throughput: throughput, schedule: schedule)
            print(Estimator.table(plan, estimate), terminator: "")
            return
        }
        switch executor {
        case .local:
            let outcome = try LocalExecutor.run(sweep, directory: directory,
                                                options: .init(jobs: placement.jobs, threads: placement.threads, retryFailed: placement.retryFailed))
            print(summaryLine(outcome.counts) + String(format: "; %.1f s (engine %.2f s)", outcome.wallSeconds, outcome.engineSeconds))
            print("results: \(directory.resultsURL.path), \(directory.curvesURL.path)")
            if (outcome.counts[.failed] ?? 0) > 0 { throw ExitCode(1) }
        case .slurm:
            var options = SlurmExecutor.Options(executable: Self.executablePath())
            options.partition = partition ?? sweep.slurm.partition
            options.time = time ?? sweep.slurm.time
            options.cpusPerTask = placement.threads ?? sweep.slurm.cpusPerTask
            options.memoryMiB = memMib ?? sweep.slurm.memoryMiB
            options.retryFailed = placement.retryFailed
            options.wait = wait
            let outcome = try SlurmExecutor.run(sweep, directory: directory, options: options)
            if wait {
                print(summaryLine(outcome.counts))
                print("results: \(directory.resultsURL.path), \(directory.curvesURL.path)")
                if (outcome.counts[.failed] ?? 0) > 0 || (outcome.counts[.pending] ?? 0) > 0 || (outcome.counts[.interrupted] ?? 0) > 0 {
                    throw ExitCode(1)
                }
            } else {
                print("submitted \(outcome.submitted.map(\.jobID).joined(separator: ", ")); follow with: scalelab status \(directory.url.path)")
            }
        }
    }

    func summaryLine(_ counts: [SweepDirectory.RunStatus: Int]) -> String {
        SweepDirectory.RunStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
    }

    /// This executable's absolute path, for Slurm tasks to run.
    static func executablePath() -> String {
        let arg0 = CommandLine.arguments[0]
        if arg0.hasPrefix("/") { return arg0 }
        if arg0.contains("/") { return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(arg0).standardized.path }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/\(arg0)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return arg0
    }
}

/// The options `sweep` and `reproduce` share: where sweeps live and how runs are placed.
struct SweepRunOptions: ParsableArguments {
    @Option(help: "Directory that holds sweep directories.")
    var runsDir = "runs"

    @Option(help: "Local: runs at once (default: chosen from a measurement of the sweep's shapes).")
    var jobs: Int?

    @Option(help: "Threads per run (local default: chosen with --jobs; Slurm: CPUs per task, default 1).")
    var threads: Int?

    @Flag(help: "Run failed runs again.")
    var retryFailed = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}
