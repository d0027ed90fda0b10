import ArgumentParser
import Foundation
import Support
import Sweep

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a sweep's runs: done, running, queued, failed, pending (local or Slurm); refresh results.csv.")

    @Argument(help: "The sweep directory (runs/<name>).")
    var sweepDirectory: String

    @Flag(help: "List every run, not only those that are not done.")
    var all = false

    func run() throws {
        let directory = SweepDirectory(URL(fileURLWithPath: sweepDirectory))
        let report = try SweepStatus.report(directory)
        for row in report.rows where all || row.state != "done" {
            let role = row.run.role == .run ? "" : " (\(row.run.role.rawValue))"
            print("\(row.run.id)  \(row.state.padding(toLength: 11, withPad: " ", startingAt: 0)) \(row.run.config.name)\(role)  \(row.detail)")
        }
        let order = ["done", "running", "queued", "interrupted", "pending", "diverged", "failed"]
        print(order.compactMap { s in report.counts[s].map { "\($0) \(s)" } }.joined(separator: ", ")
              + " (results.csv refreshed)")
    }
}
