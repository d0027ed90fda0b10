import Foundation
import Support

/// A sweep directory's `curves.csv` for the curve laws. The table has a row per logged step (run
/// id, step, tokens, lr, train and validation loss) but no run-level columns, so each run's size N
/// (`n_params_total`, or the column `--map N=` names), name and status come from `results.csv`
/// beside it, and the loss is the validation loss unless `--map loss=` says otherwise. Without
/// this join `scalelab fit runs/<sweep> --law chinchilla-envelope` found no size and no loss.
enum SweepCurvesReader {
    static func read(curves: String, results: String, selection: DataSelection) throws -> ObservationSet {
        let runs = try CSVTable.read(path: results)
        guard let idColumn = runs.columnIndex("run_id") else {
            throw ScaleLabError.data(path: results, reason: "no run_id column, so the curves in \(curves) cannot be matched to their runs")
        }
        let nName = selection.columns["N"] ?? Quantity.N.resultsColumn ?? "n_params_total"
        let nColumn = runs.columnIndex(nName), nameColumn = runs.columnIndex("name"), statusColumn = runs.columnIndex("status")
        var sizeOf: [String: Double] = [:], nameOf: [String: String] = [:], excluded: [RunExclusion] = []
        for row in runs.rows {
            let id = row[idColumn], name = nameColumn.map { row[$0] } ?? id
            if let s = statusColumn, row[s] != "done" {
                excluded.append(RunExclusion(run: name, reason: "status is '\(row[s])', not 'done'"))
                continue
            }
            nameOf[id] = name
            if let c = nColumn, let n = Double(row[c]), n.isFinite, n > 0 { sizeOf[id] = n }
        }
        // The curve table's own columns: run-level mappings (N, C, status) are resolved above.
        var perStep = selection
        for key in ["N", "C", "status", "run"] { perStep.columns[key] = nil }
        if perStep.columns["loss"] == nil { perStep.columns["loss"] = "val_loss" }
        let table = try CSVTable.read(path: curves)
        guard table.columnIndex("run_id") != nil else {
            throw ScaleLabError.data(path: curves, reason: "no run_id column; columns are: \(table.header.joined(separator: ", "))")
        }
        perStep.columns["run"] = "run_id"
        let (rows, _) = try ObservationLoader.observations(from: table, selection: perStep, defaults: [:], shape: .curves, fixedRun: nil, extra: [:])
        var out: [Observation] = []
        out.reserveCapacity(rows.count)
        for var o in rows {
            let id = o.run
            guard let name = nameOf[id] else { continue }  // a run that did not finish
            o.run = name
            if o[.N] == nil { o[.N] = sizeOf[id] }
            // Step 0's loss is the untrained model's, which no law describes (its learning rate
            // stays: it starts the schedule).
            if o[.step] == 0 { o[.loss] = nil }
            o.deriveComputeOrTokens()
            out.append(o)
        }
        return ObservationSet(source: curves, observations: out, excluded: excluded, availableColumns: table.header + runs.header)
    }
}
