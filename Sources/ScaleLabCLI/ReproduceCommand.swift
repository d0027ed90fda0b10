import ArgumentParser
import Foundation
import Studies
import Support
import Sweep

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run a built-in study end to end (sweep → fit → report) and print its headline numbers.",
        discussion: """
        NAME is `quickstart`, a lab (`05-chinchilla`, or just `05`) or the path of a sweep config with a \
        `study:` section. The sweep goes to <runs-dir>/<name>/ like any sweep (run the same command again \
        after a kill and it continues), the fits to fit.json and the report to report.html beside it. \
        --list shows the studies with their expected times; labs.md explains each.
        """)

    @Argument(help: "quickstart, a lab name or number, or a study file.")
    var name: String?

    @Flag(help: "List the built-in studies and their expected times.")
    var list = false

    @Flag(help: "Print one JSON object (report path, wall seconds, the headline numbers) instead of text.")
    var json = false

    @OptionGroup var placement: SweepRunOptions

    func validate() throws {
        if !list && name == nil { throw ValidationError("name a study (scalelab reproduce --list shows them)") }
    }

    func run() throws {
        let catalog = StudyCatalog.locate()
        if list {
            for e in try catalog.entries() {
                print(String(format: "%-20@ about %4.0f min  %@", e.name, e.settings.expectedMinutes, e.settings.title))
            }
            return
        }
        guard let name else { return }
        let entry = try catalog.entry(named: name)
        let plan = try Planner.plan(entry.sweep)
        let say: (String) -> Void = { line in FileHandle.standardError.write(Data("[reproduce] \(line)\n".utf8)) }
        say("\(entry.name): \(entry.settings.title)")
        let trunks = plan.runs.filter { $0.role == .trunk }.count
        let runs = "\(plan.rows.count) run\(plan.rows.count == 1 ? "" : "s")" + (trunks > 0 ? " (branched from \(trunks) WSD trunks, so about \(trunks) runs' cost)" : "")
        let fits = entry.settings.laws.isEmpty ? "" : ", then fits \(entry.settings.laws.joined(separator: ", "))"
        say("\(runs)\(fits), then the report; about \(Int(entry.settings.expectedMinutes.rounded())) minutes on 2 cores")
        let outcome = try StudyRunner.run(entry, options: .init(runsDirectory: URL(fileURLWithPath: placement.runsDir), jobs: placement.jobs, threads: placement.threads, retryFailed: placement.retryFailed), say: say)
        if json {
            print(try JSONOutput.string(ReproduceJSON(outcome)), terminator: "")
        } else {
            print("\(entry.name) finished in \(String(format: "%.1f", outcome.wallSeconds / 60)) min")
            for line in outcome.headline.lines() { print("  \(line)") }
            print("report: \(outcome.report)")
            if let f = outcome.fitFile { print("fit: \(f)") }
        }
        if outcome.failedRuns > 0 {
            FileHandle.standardError.write(Data("warning: \(outcome.failedRuns) runs failed or diverged (see scalelab status \(outcome.directory.path))\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `reproduce --json`: the headline flattened to the keys a script checks, and the whole of it.
struct ReproduceJSON: Encodable {
    var report: String
    var fit: String?
    var wallSeconds: Double
    var predictionRelativeError: Double?
    var predictionInterval: [Double]?
    var fittedE: Double?
    var trueE: Double?
    var contextFloorE: Double?
    var exponentA: Double?
    var exponentAInterval: [Double]?
    var annealingMeanAbsRelativeError: Double?
    var headline: Headline

    init(_ o: StudyRunner.Outcome) {
        report = o.report; fit = o.fitFile; wallSeconds = o.wallSeconds; headline = o.headline
        // The largest held-out error, so a check never passes on the easiest of several runs.
        if let worst = o.headline.predictions.max(by: { abs($0.relativeError) < abs($1.relativeError) }) {
            predictionRelativeError = worst.relativeError; predictionInterval = worst.interval
        }
        if o.headline.fittedE?.undetermined == nil { fittedE = o.headline.fittedE?.value }
        trueE = o.headline.trueE; contextFloorE = o.headline.contextFloorE
        annealingMeanAbsRelativeError = o.headline.annealing?.meanAbsRelativeError
        if o.headline.exponentA?.undetermined == nil { exponentA = o.headline.exponentA?.value; exponentAInterval = o.headline.exponentA?.interval }
    }

    enum CodingKeys: String, CodingKey {
        case report, fit, headline
        case wallSeconds = "wall_seconds", predictionRelativeError = "prediction_relative_error", predictionInterval = "prediction_interval"
        case fittedE = "fitted_E", trueE = "true_E", contextFloorE = "context_floor_E", exponentA = "exponent_a", exponentAInterval = "exponent_a_interval"
        case annealingMeanAbsRelativeError = "annealing_mean_abs_relative_error"
    }
}
