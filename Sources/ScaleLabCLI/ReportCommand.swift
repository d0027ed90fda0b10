import ArgumentParser
import Foundation
import Report

/// `scalelab report DIR --out report.html`: figures, fitted laws and runs in one HTML file.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (figures, fitted laws, runs, cost) of a sweep, a runs directory or one run.")

    @Argument(help: "A sweep directory (results.csv, curves.csv), a runs directory, or one run directory.")
    var input: String

    @Option(help: "A fit file written by 'scalelab fit --out' for these runs (default: fit the laws the data allow).")
    var fit: String?

    @Option(help: "The HTML file to write.")
    var out: String

    @Option(help: "Also write each figure as its own SVG file in this directory.")
    var svgDir: String?

    func run() throws {
        let o = try StudyReport.write(ReportRequest(input: input, fitFile: fit, output: out, svgDirectory: svgDir))
        print("wrote \(o.html) (\(o.bytes) bytes, \(o.figures.count) figures)")
        if let f = o.fitJSON { print("fit: \(f)") }
        for s in o.svgFiles { print("svg: \(s)") }
        for s in o.skippedFigures { print("not drawn: \(s)") }
        for p in o.problems { print("missing: \(p)") }
    }
}
