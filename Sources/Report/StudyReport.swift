import Charts
import Fitting
import Foundation
import Mustache
import Support

/// What `scalelab report` asks for.
public struct ReportRequest: Sendable {
    /// A sweep directory, a runs directory or one run directory.
    public var input: String
    /// A fit file written by `scalelab fit --out` (nil: fit what the data allow).
    public var fitFile: String?
    /// The HTML file to write.
    public var output: String
    /// Also write each figure as `<id>.svg` here.
    public var svgDirectory: String?

    public init(input: String, fitFile: String? = nil, output: String, svgDirectory: String? = nil) {
        self.input = input; self.fitFile = fitFile; self.output = output; self.svgDirectory = svgDirectory
    }
}

/// What was written.
public struct ReportOutcome: Sendable {
    public var html: String
    public var bytes: Int
    public var figures: [String]
    public var skippedFigures: [String]
    public var svgFiles: [String]
    /// The fit JSON written beside the report (when the report fitted the laws itself).
    public var fitJSON: String?
    public var problems: [String]
}

/// The study report: read the study, fit (or read the fit), draw the figures, fill the template,
/// write the HTML (and the SVGs) atomically.
public enum StudyReport {
    public static func write(_ request: ReportRequest) throws -> ReportOutcome {
        let study = try StudyReader.read(request.input)
        let fits = try request.fitFile.map { try FitAdapter.load(fitFile: $0, study: study) } ?? FitAdapter.fitAll(study)
        let out = URL(fileURLWithPath: request.output).standardizedFileURL
        let outDir = out.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        var fitJSONPath: String? = request.fitFile
        var written: String?
        if request.fitFile == nil, let json = fits.json, !fits.laws.isEmpty {
            let url = out.deletingPathExtension().appendingPathExtension("fit.json")
            try AtomicFile.write(json, to: url)
            fitJSONPath = url.path; written = url.path
        }
        let (figures, skipped) = Figures.build(study, fits)
        let html = try render(study: study, fits: fits, figures: figures, skippedFigures: skipped, outputDirectory: outDir.path, fitJSON: fitJSONPath)
        try AtomicFile.write(html, to: out)
        var svgFiles: [String] = []
        if let dir = request.svgDirectory {
            let d = URL(fileURLWithPath: dir)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for f in figures {
                let url = d.appendingPathComponent("\(f.id).svg")
                try AtomicFile.write(f.chart.svg(), to: url)
                svgFiles.append(url.path)
            }
        }
        return ReportOutcome(html: out.path, bytes: html.utf8.count, figures: figures.map(\.id), skippedFigures: skipped.map { "\($0.title): \($0.reason)" },
                             svgFiles: svgFiles, fitJSON: written, problems: study.problems)
    }

    /// The page, given everything it shows. Links are relative to `outputDirectory`.
    public static func render(study: Study, fits: StudyFits, figures: [Figure], skippedFigures: [(title: String, reason: String)],
                              outputDirectory: String, fitJSON: String?) throws -> String {
        let template = try MustacheTemplate(string: ReportTemplate.page)
        let rootName = (URL(fileURLWithPath: study.root).standardizedFileURL.lastPathComponent)
        func link(_ path: String) -> String { relativePath(from: outputDirectory, to: path) }
        var links: [[String: Any]] = study.tables.map { ["href": link((study.root as NSString).appendingPathComponent($0)), "label": $0] }
        if let f = fitJSON { links.append(["href": link(f), "label": (f as NSString).lastPathComponent + " (fit)"]) }
        if study.kind != .sweep { links.insert(["href": link(study.root), "label": "run directories (summary.json, metrics.csv)"], at: 0) }
        for i in links.indices { links[i]["last"] = i == links.count - 1 }

        let shown = fits.laws.filter(\.meaningful), undetermined = fits.laws.filter { !$0.meaningful }
        let laws: [[String: Any]] = shown.map { l in
            [
                "title": l.title, "formulaHTML": Format.formulaHTML(l.formula), "points": l.points, "r2": Format.number(l.r2), "rmse": Format.number(l.rmseLog),
                "notes": l.notes,
                "parameters": (l.parameters + l.derived.map { var p = $0; p.name += " (derived)"; return p }).map { p in
                    ["name": p.name, "value": determined(p) ? Format.number(p.value, digits: 4) : "not determined",
                     "ci": p.ci95.map { "[\(Format.number($0.0)), \(Format.number($0.1))]" } ?? "—"]
                },
            ]
        }
        let runs: [[String: Any]] = study.runs.filter { !$0.isTrunk }.sorted { ($0.nParams ?? 0, $0.tokens ?? 0, $0.id) < ($1.nParams ?? 0, $1.tokens ?? 0, $1.id) }.map { r in
            var row: [String: Any] = [
                "name": r.name == r.id ? r.id : "\(r.name) (\(r.id))", "status": r.statusText,
                "n": Format.count(r.nParams), "d": Format.count(r.tokens), "c": r.flops.map { Format.number($0) } ?? "",
                "v": r.vocabSize.map { Format.count($0) } ?? "", "loss": r.finalValLoss.map { Format.number($0, digits: 4) } ?? "",
                "bpb": r.bitsPerByte.map { Format.number($0, digits: 4) } ?? "", "wall": r.wallSeconds.map(Format.duration) ?? "",
            ]
            if let dir = r.directory { row["href"] = link((dir as NSString).appendingPathComponent("metrics.csv")) }
            return row
        }
        var excluded = study.runs.filter { !$0.isTrunk && $0.status != .done }.map { ["run": $0.name, "reason": "status '\($0.statusText)': not finished"] }
        let notFinished = Set(excluded.map { $0["run"]! })
        excluded += fits.excludedRuns.filter { !notFinished.contains($0.run) }.map { ["run": $0.run, "reason": $0.reason] }

        let context: [String: Any] = [
            "title": "Scaling study: \(rootName)", "kind": study.kind.rawValue.prefix(1).uppercased() + study.kind.rawValue.dropFirst(), "root": study.root,
            "runCount": study.runs.filter { !$0.isTrunk }.count, "finishedCount": study.finished.count,
            "fitOrigin": fits.laws.isEmpty && fits.skipped.isEmpty ? "" : "Laws " + fits.origin + ".",
            "hasProblems": !study.problems.isEmpty, "problems": study.problems,
            "links": links, "cost": cost(study),
            "laws": laws, "hasUndetermined": !undetermined.isEmpty, "undetermined": undetermined.map { ["title": $0.title, "verdict": $0.verdict] },
            "hasSkippedLaws": !fits.skipped.isEmpty, "skippedLaws": fits.skipped.map { ["law": $0.law, "reason": $0.reason] },
            "figures": figures.enumerated().map { ["id": $1.id, "number": $0 + 1, "title": $1.title, "caption": $1.caption, "svg": $1.chart.svg()] as [String: Any] },
            "hasSkippedFigures": !skippedFigures.isEmpty, "skippedFigures": skippedFigures.map { ["title": $0.title, "reason": $0.reason] },
            "runs": runs, "hasExcluded": !excluded.isEmpty, "excluded": excluded,
        ]
        return template.render(context)
    }

    /// A parameter whose 95% interval spans more than a factor of 10 (or crosses zero) is not
    /// determined by the data: the report prints the interval, not the value.
    static func determined(_ p: StudyFits.Law.Parameter) -> Bool {
        guard let (lo, hi) = p.ci95 else { return true }
        if lo.sign != hi.sign || lo == 0 || hi == 0 { return false }
        return max(Swift.abs(lo), Swift.abs(hi)) / min(Swift.abs(lo), Swift.abs(hi)) <= 10
    }

    /// Wall time, FLOPs spent, and what WSD branching saved against training every length fresh.
    static func cost(_ study: Study) -> [[String: String]] {
        let all = study.runs
        let here = all.filter { $0.copiedFrom == nil }, copied = all.filter { $0.copiedFrom != nil }
        let wall = here.compactMap(\.wallSeconds).reduce(0, +)
        let spent = all.compactMap(\.spentFlops).reduce(0, +)
        var rows: [[String: String]] = [
            ["label": "wall time", "value": Format.duration(wall), "note": "sum over \(here.filter { $0.wallSeconds != nil }.count) run directories trained in this sweep (trunks included)"],
            ["label": "training FLOPs", "value": Format.number(spent), "note": "6·N·D of the runs and trunks in this directory (a WSD branch counts only its cooldown, its trunk once; trunks left in the sweep a run was copied from are not counted)"],
        ]
        if !copied.isEmpty {
            let from = Set(copied.compactMap(\.copiedFrom)).sorted().joined(separator: ", ")
            rows.append(["label": "copied runs", "value": "\(copied.count)",
                         "note": "same run ids, copied from sweep \(from), where they were trained (a copied trunk may have been extended here); \(Format.duration(copied.compactMap(\.wallSeconds).reduce(0, +))) of wall there"])
        }
        let branches = all.filter { $0.cooldownFlops != nil }, trunks = all.filter(\.isTrunk)
        if !branches.isEmpty {
            let fresh = branches.compactMap(\.flops).reduce(0, +)
            let shared = trunks.compactMap(\.flops).reduce(0, +) + branches.compactMap(\.cooldownFlops).reduce(0, +)
            rows.append(["label": "WSD branches trained fresh", "value": Format.number(fresh), "note": "\(branches.count) branch runs, each from scratch"])
            rows.append(["label": "WSD trunk + cooldowns", "value": Format.number(shared), "note": "\(trunks.count) trunk(s) shared by the branches, plus each branch's own decay"])
            rows.append(["label": "saved by branching", "value": "\(Format.number(fresh > 0 ? (1 - shared / fresh) * 100 : 0))%", "note": "\(Format.number(fresh - shared)) FLOPs of the branches' fresh cost"])
        }
        return rows
    }

    /// `to` relative to the directory `from` (both made absolute).
    static func relativePath(from: String, to: String) -> String {
        let a = URL(fileURLWithPath: from).standardizedFileURL.pathComponents, b = URL(fileURLWithPath: to).standardizedFileURL.pathComponents
        var i = 0
        while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
        let parts = Array(repeating: "..", count: a.count - i) + b[i...]
        let s = parts.joined(separator: "/")
        return s.isEmpty ? "." : s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? s
    }
}
