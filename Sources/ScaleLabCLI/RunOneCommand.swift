import ArgumentParser
import Foundation
import Support
import Sweep

struct RunOneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-one",
        abstract: "Run one run of a planned sweep by its id (what each Slurm array task does).",
        discussion: """
        Reads <sweep-dir>/sweep.yaml and trains the run into <sweep-dir>/<run-id>/, resuming it if it \
        was interrupted; a finished run is left as it is. Exit status: 0 when the run is done or \
        diverged (recorded in its directory), 1 when it failed.
        """)

    @Argument(help: "The sweep directory (runs/<name>).")
    var sweepDirectory: String

    @Argument(help: "The run id (a directory name of the plan).")
    var runID: String

    @Option(help: "Threads (default 1).")
    var threads = 1

    @Flag(help: "Run it again if it is recorded as failed.")
    var retryFailed = false

    func run() throws {
        let directory = SweepDirectory(URL(fileURLWithPath: sweepDirectory))
        let plan = try directory.readPlan()
        guard let run = plan.runs.first(where: { $0.id == runID }) else {
            throw ScaleLabError.invalid("\(directory.planURL.path) has no run '\(runID)'")
        }
        let printer = ProgressPrinter(interactive: false, logInterval: max(run.config.training.logInterval, 50))
        let status = RunExecution.execute(run, in: directory, threads: max(threads, 1), retryFailed: retryFailed, events: printer.handle)
        print("\(run.id) \(status.rawValue)")
        if status == .failed || status == .interrupted { throw ExitCode(1) }
    }
}
