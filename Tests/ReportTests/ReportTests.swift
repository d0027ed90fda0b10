import Fitting
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Report
import Support
import Testing

/// Whether `text` is well-formed XML (Foundation's XMLParser), with the parser's error.
func parsesAsXML(_ text: String) -> (ok: Bool, error: String) {
    let parser = XMLParser(data: Data(text.utf8))
    let ok = parser.parse()
    return (ok, parser.parserError.map { "\($0)" } ?? "")
}

/// The inline `<svg>…</svg>` elements of a page.
func inlineSVGs(_ html: String) -> [String] {
    var out: [String] = [], rest = html[...]
    while let start = rest.range(of: "<svg "), let end = rest[start.lowerBound...].range(of: "</svg>") {
        out.append(String(rest[start.lowerBound..<end.upperBound]))
        rest = rest[end.upperBound...]
    }
    return out
}

@Suite(.serialized) struct ReportTests {
    @Test func realStudyReport() throws {
        let runs = try RealStudy.url()
        let started = Date()
        let o = try RealStudy.report.get()
        let seconds = Date().timeIntervalSince(started)
        let html = try String(contentsOfFile: o.html, encoding: .utf8)
        print("realStudyReport: \(o.bytes) bytes, \(o.figures.count) figures (\(o.figures.joined(separator: ", "))) in \(String(format: "%.2f", seconds)) s; not drawn: \(o.skippedFigures)")

        for id in ["loss-curves", "lr-schedules", "isoflop", "loss-compute", "annealing"] {
            #expect(o.figures.contains(id), "figure \(id) missing; drawn: \(o.figures)")
        }
        // A 12-run study stays well under a megabyte.
        #expect(o.bytes < 1_000_000)
        // Every figure is valid XML, inline and as its own file.
        let inline = inlineSVGs(html)
        #expect(inline.count == o.figures.count)
        for svg in inline { let r = parsesAsXML(svg); #expect(r.ok, "inline SVG does not parse: \(r.error)") }
        #expect(o.svgFiles.count == o.figures.count)
        for f in o.svgFiles { let r = parsesAsXML(try String(contentsOfFile: f, encoding: .utf8)); #expect(r.ok, "\(f): \(r.error)") }

        // The run name with markup is shown as text, never as markup; the page has no script.
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;script&gt; &amp; co"))
        // The fit is written beside the report and linked relatively, with the runs.
        #expect(o.fitJSON != nil)
        #expect(html.contains("href=\"report.fit.json\""))
        #expect(html.contains("href=\"../") && html.contains("metrics.csv\""))
        // WSD branching is costed: trunk + cooldowns against fresh runs.
        #expect(html.contains("saved by branching"))
        // The annealing figure predicts the longest WSD branch from its schedule.
        #expect(html.contains("measured (held out)") && html.contains("predicted from its LR schedule"))
        // Every law shown has a formula and parameters; undetermined ones are not in the laws list.
        let fits = FitAdapter.fitAll(try StudyReader.read(runs.path))
        for law in fits.laws where !law.meaningful { #expect(!law.verdict.isEmpty) }
        #expect(fits.laws.contains { $0.key == "annealing" })
    }

    @Test func lawsOfLossPerTokenAreNotFittedAcrossVocabularies() throws {
        var study = try StudyReader.read(try RealStudy.url().path)
        let before = FitAdapter.fitAll(study)
        #expect(before.laws.contains { $0.key == "kaplan" || $0.key == "chinchilla" }, "the real study supports a loss law")
        // Half the runs now claim another vocabulary: their losses per token no longer compare.
        for i in study.runs.indices where i % 2 == 0 { study.runs[i].vocabSize = 1024 }
        let after = FitAdapter.fitAll(study)
        for key in ["kaplan", "chinchilla", "chinchilla-isoflop", "chinchilla-envelope"] {
            #expect(!after.laws.contains { $0.key == key }, "\(key) fitted across vocabularies")
            #expect(after.skipped.contains { $0.law == key && $0.reason.contains("vocabulary sizes") })
        }
    }

    @Test func sweepLayoutReadsTheSameRuns() throws {
        let runsStudy = try StudyReader.read(try RealStudy.url().path)
        let sweep = try RealStudy.sweepLayout()
        let study = try StudyReader.read(sweep.path)
        #expect(study.kind == .sweep)
        #expect(study.finished.count == runsStudy.finished.count)
        #expect(Set(study.finished.compactMap(\.finalValLoss)) == Set(runsStudy.finished.compactMap(\.finalValLoss)))
        #expect(study.runs.filter(\.isTrunk).count == 1)
        #expect(study.curves.count == study.finished.count)
        // Budgets come from the sweep's plan.
        #expect(Set(study.finished.compactMap(\.budget)) == Set(RealStudy.budgets))
        let out = sweep.deletingLastPathComponent().appendingPathComponent("site/report.html")
        let o = try StudyReport.write(ReportRequest(input: sweep.path, output: out.path))
        let html = try String(contentsOfFile: o.html, encoding: .utf8)
        #expect(html.contains("href=\"../sweep/results.csv\""))
        #expect(html.contains("href=\"../sweep/curves.csv\""))
        #expect(html.contains("saved by branching"))
        #expect(o.figures.contains("isoflop") && o.figures.contains("loss-curves"))
    }

    /// Runs copied from another sweep (`sweep-origin.txt`) are counted apart in the study's cost,
    /// and a trunk left behind in that sweep (every branch copied) is not reported as missing.
    @Test func copiedRunsAreCountedApartAndTheirTrunkIsNotMissing() throws {
        let sweep = try RealStudy.sweepLayout()
        let study0 = try StudyReader.read(sweep.path)
        let branches = study0.runs.filter { $0.trunkId == "wsd-trunk" }
        #expect(branches.count >= 2)
        for b in branches { try AtomicFile.write("donor\n", to: sweep.appendingPathComponent("\(b.id)/sweep-origin.txt")) }
        try FileManager.default.removeItem(at: sweep.appendingPathComponent("wsd-trunk"))
        let study = try StudyReader.read(sweep.path)
        #expect(!study.problems.contains { $0.contains("wsd-trunk") }, "\(study.problems)")
        #expect(study.runs.filter { $0.copiedFrom == "donor" }.count == branches.count && !study.runs.contains(where: \.isTrunk))
        let cost = StudyReport.cost(study)
        #expect(cost.contains { $0["label"] == "copied runs" && $0["value"] == "\(branches.count)" && $0["note"]?.contains("sweep donor") == true })
        // Without the origin files the missing trunk is a problem again.
        for b in branches { try FileManager.default.removeItem(at: sweep.appendingPathComponent("\(b.id)/sweep-origin.txt")) }
        #expect(try StudyReader.read(sweep.path).problems.contains { $0.contains("wsd-trunk") })
    }

    @Test func singleRunShowsItsCurves() throws {
        let run = try RealStudy.url().appendingPathComponent("c6e9-d16")
        let out = temporaryDirectory("report-single").appendingPathComponent("r.html")
        let o = try StudyReport.write(ReportRequest(input: run.path, output: out.path))
        // Its curves, and the annealing law fitted to its one curve; nothing that needs several runs.
        #expect(Array(o.figures.prefix(2)) == ["loss-curves", "lr-schedules"])
        #expect(Set(o.figures).isSubset(of: ["loss-curves", "lr-schedules", "annealing"]))
        let html = try String(contentsOfFile: o.html, encoding: .utf8)
        #expect(html.contains("Single run"))
        #expect(html.contains("Not fitted"))
        for svg in inlineSVGs(html) { #expect(parsesAsXML(svg).ok) }
    }

    @Test func emptyOrUnfinishedDirectoriesAreReported() throws {
        let empty = temporaryDirectory("report-empty")
        let o = try StudyReport.write(ReportRequest(input: empty.path, output: empty.appendingPathComponent("out/r.html").path))
        let html = try String(contentsOfFile: o.html, encoding: .utf8)
        #expect(o.figures.isEmpty)
        #expect(html.contains("no run directories found"))

        // A run that has started (config and a half-written log, status running) and one that has not.
        let runs = temporaryDirectory("report-unfinished")
        let started = runs.appendingPathComponent("started")
        try FileManager.default.createDirectory(at: started, withIntermediateDirectories: true)
        try AtomicFile.write("{\"name\": \"started\", \"status\": \"running\", \"tokens\": 0}", to: started.appendingPathComponent("summary.json"))
        try AtomicFile.write("step,tokens,lr,train_loss,val_loss,grad_norm,seconds\n0,0,0,,5.5,,0.1\n", to: started.appendingPathComponent("metrics.csv"))
        try FileManager.default.createDirectory(at: runs.appendingPathComponent("queued"), withIntermediateDirectories: true)
        let o2 = try StudyReport.write(ReportRequest(input: runs.path, output: runs.appendingPathComponent("r.html").path))
        let html2 = try String(contentsOfFile: o2.html, encoding: .utf8)
        #expect(html2.contains("queued: no summary.json or metrics.csv"))
        #expect(html2.contains("started: status &#39;running&#39;: not finished"))
        #expect(html2.contains("0 finished"))
    }

    @Test func fitFromAnotherStudyIsRefused() throws {
        let runs = try RealStudy.url()
        // A real fit, of other runs: a CSV of another study.
        let other = temporaryDirectory("report-other")
        let csv = other.appendingPathComponent("other.csv")
        try AtomicFile.write("run,N,D,loss\n" + (0..<6).map { "other-\($0),\(1e6 * Double($0 + 1)),\(2e7 * Double($0 + 1)),\(3.0 - 0.1 * Double($0))" }.joined(separator: "\n") + "\n", to: csv)
        let report = try ScalingFit.run(FitRequest(path: csv.path, laws: [.kaplan]))
        let fitFile = other.appendingPathComponent("fit.json")
        try AtomicFile.write(JSONOutput.encode(report), to: fitFile)
        #expect {
            try StudyReport.write(ReportRequest(input: runs.path, fitFile: fitFile.path, output: other.appendingPathComponent("r.html").path))
        } throws: { error in
            "\(error)".contains("fitted to other runs") && "\(error)".contains("other-0")
        }
        #expect(!FileManager.default.fileExists(atPath: other.appendingPathComponent("r.html").path))

        // A fit of this study is used as given.
        var own = try ScalingFit.run(FitRequest(path: runs.path, laws: [.kaplan]))
        // Non-finite numbers are written as "nan" (approach 2's objective is NaN) and must read back.
        own.fits[0].goodness.objective = .nan
        let ownFile = other.appendingPathComponent("own.json")
        try AtomicFile.write(JSONOutput.encode(own), to: ownFile)
        let o = try StudyReport.write(ReportRequest(input: runs.path, fitFile: ownFile.path, output: other.appendingPathComponent("own.html").path))
        let html = try String(contentsOfFile: o.html, encoding: .utf8)
        #expect(html.contains("read from own.json"))
        #expect(html.contains("href=\"own.json\""))
        #expect(o.fitJSON == nil)
    }

    /// The reader of results.csv on a hand-written file: RFC 4180 quoting, empty cells, labels
    /// with markup; and the escaping of those labels in the page.
    @Test func resultsCSVReaderAndEscaping() throws {
        let dir = temporaryDirectory("report-csv")
        try AtomicFile.write("""
            run_id,name,status,n_params_total,tokens,flops,vocab_size,final_val_loss,wall_seconds,trunk_id,budget
            r1,"a, ""quoted"" <b>name</b>",done,1000,20000,1.2e8,256,3.5,1.5,,
            r2,<script>x</script> & y,diverged,2000,,,256,,0.5,,
            r3,plain,pending,,,,,,,,

            """, to: dir.appendingPathComponent("results.csv"))
        let study = try StudyReader.read(dir.path)
        #expect(study.runs.map(\.name) == ["a, \"quoted\" <b>name</b>", "<script>x</script> & y", "plain"])
        #expect(study.runs.map(\.status) == [.done, .diverged, .pending])
        #expect(study.runs[0].flops == 1.2e8 && study.runs[1].tokens == nil && study.runs[0].budget == nil)
        #expect(study.problems.contains { $0.contains("no curves.csv") })
        let o = try StudyReport.write(ReportRequest(input: dir.path, output: dir.appendingPathComponent("r.html").path))
        let html = try String(contentsOfFile: o.html, encoding: .utf8)
        #expect(!html.contains("<script>x"))
        #expect(!html.contains("<b>name"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt; &amp; y"))
        #expect(html.contains("status &#39;diverged&#39;: not finished"))
    }

    @Test func missingRunIDColumnNamesTheFile() throws {
        let dir = temporaryDirectory("report-bad-csv")
        try AtomicFile.write("name,status\nx,done\n", to: dir.appendingPathComponent("results.csv"))
        #expect { try StudyReader.read(dir.path) } throws: { "\($0)".contains("results.csv") && "\($0)".contains("run_id") }
    }

    @Test func formulasBecomeEscapedHTML() {
        #expect(Format.formulaHTML("N_{opt} = k_{N} · C^{a}") == "N<sub>opt</sub> = k<sub>N</sub> · C<sup>a</sup>")
        #expect(Format.formulaHTML("(D_{c} / D)^{α_{D}}") == "(D<sub>c</sub> / D)<sup>α<sub>D</sub></sup>")
        #expect(Format.formulaHTML("a<b & c") == "a&lt;b &amp; c")
    }

    @Test func undeterminedParametersAreNotPrinted() {
        typealias P = StudyFits.Law.Parameter
        #expect(StudyReport.determined(P(name: "a", value: 0.3, ci95: (0.25, 0.4))))
        #expect(!StudyReport.determined(P(name: "C", value: 0.05, ci95: (1.5e-14, 0.41))))
        #expect(!StudyReport.determined(P(name: "x", value: 0.1, ci95: (-0.2, 0.3))))
        #expect(StudyReport.determined(P(name: "E", value: 1.8, ci95: nil)))
    }
}

@Suite struct RepetitionFigureTests {
    func run(_ i: Int, n: Double, d: Double, epochs: Double, loss: Double) -> RunRecord {
        var r = RunRecord(id: "r\(i)", name: "r\(i)", statusText: "done")
        r.nParams = n; r.tokens = d; r.epochs = epochs; r.finalValLoss = loss
        return r
    }

    /// One line per size and data set (D / epochs), dashed where data repeat; no figure when no
    /// run repeats its data.
    @Test func drawnOnlyWhenRunsRepeatTheirData() throws {
        var runs: [RunRecord] = [], k = 0
        for n in [1e4, 4e4] { for (u, e0) in [(4.1e6, 0.25), (2.56e5, 4.0)] { for m in [1.0, 2.0, 4.0] {
            runs.append(run(k, n: n, d: 1.024e6 * m, epochs: e0 * m, loss: 2.5 - 0.1 * m - (u > 1e6 ? 0.1 : 0))); k += 1
        } } }
        let study = Study(kind: .sweep, root: "x", runs: runs, curves: [:], problems: [], tables: [])
        guard case let .success(f) = Figures.repetition(study, StudyFits()) else { Issue.record("no figure"); return }
        #expect(f.chart.series.count == 4)
        #expect(f.chart.series.filter { $0.dash != nil }.count == 2, "the two sizes' 0.256M-token data sets repeat")
        #expect(f.caption.contains("256k") || f.caption.contains("2.56"))
        let unique = Study(kind: .sweep, root: "x", runs: runs.filter { $0.epochs! <= 1 }, curves: [:], problems: [], tables: [])
        guard case .failure = Figures.repetition(unique, StudyFits()) else { Issue.record("drawn without repetition"); return }
    }
}
