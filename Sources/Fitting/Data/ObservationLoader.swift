import Foundation
import Support

/// Whether a law is fitted to one final value per run or to whole training curves.
public enum DataShape: String, Sendable { case finalValues, curves }

/// Reads a CSV file or a ScaleLab runs directory into observations, applying `--map`,
/// derivations (D = C/(6N)), status checks, `--where` and `--drop-highest-loss`, and recording
/// every run left out with its reason.
public enum ObservationLoader {
    public static func load(path: String, selection: DataSelection, shape: DataShape) throws -> ObservationSet {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ScaleLabError.io(path: path, reason: "no such file or directory (expected a CSV file or a runs directory)")
        }
        var set: ObservationSet
        if isDir.boolValue, let table = sweepTable(directory: path, shape: shape) {
            // A sweep directory: its tables list exactly the runs (never a WSD trunk or an LR search).
            let results = (path as NSString).appendingPathComponent("results.csv")
            if shape == .curves, FileManager.default.fileExists(atPath: results) {
                set = try SweepCurvesReader.read(curves: table, results: results, selection: selection)
            } else {
                set = try readCSV(path: table, selection: selection, shape: shape)
            }
        } else {
            set = isDir.boolValue ? try RunsDirectoryReader.read(directory: path, selection: selection, shape: shape)
                                  : try readCSV(path: path, selection: selection, shape: shape)
        }
        try applySelection(&set, selection: selection, shape: shape)
        return set
    }

    /// `results.csv` (final values) or `curves.csv` (curves) of a sweep directory, when present.
    static func sweepTable(directory: String, shape: DataShape) -> String? {
        let name = shape == .curves ? "curves.csv" : "results.csv"
        let path = (directory as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    static func readCSV(path: String, selection: DataSelection, shape: DataShape) throws -> ObservationSet {
        let table = try CSVTable.read(path: path)
        let (observations, excluded) = try observations(from: table, selection: selection, defaults: [:], shape: shape, fixedRun: nil, extra: [:])
        return ObservationSet(source: path, observations: observations, excluded: excluded, availableColumns: table.header)
    }

    /// Converts table rows. `defaults` gives the default column per key (else the key itself);
    /// `fixedRun` names the run for every row (a run's metrics.csv); `extra` holds per-run values
    /// (from summary.json) used when the table lacks a quantity.
    static func observations(from table: CSVTable, selection: DataSelection, defaults: [String: String], shape: DataShape,
                             fixedRun: String?, extra: [Quantity: Double]) throws -> ([Observation], [RunExclusion]) {
        func column(for key: String) throws -> Int? {
            if let mapped = selection.columns[key] {
                if let i = table.columnIndex(mapped) { return i }
                // A mapping may name a summary.json key instead (runs directories); only an error if
                // nothing supplies the quantity.
                if fixedRun != nil, let q = Quantity(rawValue: key), extra[q] != nil { return nil }
                throw ScaleLabError.data(path: table.path, reason: "--map \(key)=\(mapped): no column '\(mapped)'; columns are: \(table.header.joined(separator: ", "))")
            }
            if let d = defaults[key], let i = table.columnIndex(d) { return i }
            if let i = table.columnIndex(key) { return i }
            if key == "run" { return table.columnIndex("name") ?? table.columnIndex("run_id") }
            if let alias = Quantity(rawValue: key)?.resultsColumn, let i = table.columnIndex(alias) { return i }
            return nil
        }
        var columnOf: [Quantity: Int] = [:]
        for q in Quantity.allCases { if let i = try column(for: q.rawValue) { columnOf[q] = i } }
        let runColumn = try column(for: "run")
        let statusColumn = try column(for: "status")
        let base = (table.path as NSString).lastPathComponent
        var out: [Observation] = []
        var excluded: [RunExclusion] = []
        for (r, row) in table.rows.enumerated() {
            let line = table.lineNumbers[r]
            let source = "\(table.path):\(line)"
            let run = fixedRun ?? runColumn.map { row[$0] } ?? "\(base):\(line)"
            // Runs directories say "finished"; a sweep's results.csv says "done".
            if let s = statusColumn, !row[s].isEmpty, row[s] != "finished", row[s] != "done" {
                excluded.append(RunExclusion(run: run, reason: "status is '\(row[s])', not 'finished' or 'done'"))
                continue
            }
            var values = extra
            var lossMissing = false
            for (q, i) in columnOf {
                let cell = row[i]
                if cell.isEmpty {
                    if q == .loss { lossMissing = true }
                    continue
                }
                guard let v = Double(cell) else {
                    throw ScaleLabError.data(path: table.path, reason: "line \(line), column '\(table.header[i])': '\(cell)' is not a number")
                }
                if !v.isFinite {
                    throw ScaleLabError.data(path: table.path, reason: "line \(line), column '\(table.header[i])': \(q.rawValue) is \(cell); losses and sizes must be finite numbers (drop or fix the row, or filter it with --where)")
                }
                values[q] = v
            }
            // A curve row without a loss is a step where none was measured (e.g. no eval); its
            // learning rate still belongs to the schedule (the annealing law integrates it), so it
            // is kept when it has one.
            if lossMissing && shape == .curves && values[.lr] == nil { continue }
            if lossMissing && values[.loss] == nil && shape == .finalValues {
                throw ScaleLabError.data(path: table.path, reason: "line \(line): empty loss cell")
            }
            var o = Observation(run: run, source: source, values: values)
            o.deriveComputeOrTokens()
            out.append(o)
        }
        return (out, excluded)
    }

    static func applySelection(_ set: inout ObservationSet, selection: DataSelection, shape: DataShape) throws {
        let runsBefore = set.runsUsed
        for f in selection.filters {
            var kept: [Observation] = []
            var failedRuns: [String] = []
            for o in set.observations {
                if f.accepts(o) { kept.append(o) } else if shape == .finalValues { failedRuns.append(o.run) }
            }
            set.observations = kept
            set.excluded += failedRuns.map { RunExclusion(run: $0, reason: "fails --where \(f)") }
        }
        if shape == .curves {  // a curve run only counts as excluded when no row is left
            let left = Set(set.runsUsed)
            for run in runsBefore where !left.contains(run) {
                set.excluded.append(RunExclusion(run: run, reason: "no row passes --where \(selection.filters.map(\.description).joined(separator: " and "))"))
            }
        }
        if selection.dropHighestLoss > 0 {
            guard shape == .finalValues else {
                throw ScaleLabError.invalid("--drop-highest-loss applies to one-row-per-run data, not training curves")
            }
            guard selection.dropHighestLoss < set.observations.count else {
                throw ScaleLabError.invalid("--drop-highest-loss \(selection.dropHighestLoss) would drop all \(set.observations.count) rows")
            }
            // Stable: among equal losses the later row goes first.
            let order = set.observations.indices.sorted {
                let a = set.observations[$0][.loss] ?? -.infinity, b = set.observations[$1][.loss] ?? -.infinity
                return a != b ? a > b : $0 > $1
            }
            let drop = Set(order.prefix(selection.dropHighestLoss))
            for i in drop.sorted() {
                set.excluded.append(RunExclusion(run: set.observations[i].run, reason: "among the \(selection.dropHighestLoss) highest losses (--drop-highest-loss)"))
            }
            set.observations = set.observations.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        }
    }
}
