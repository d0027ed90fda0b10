import Fitting
import Foundation
import Support

/// Reads a study from disk. Three layouts (see docs/sweep-contract in the notes):
/// - a sweep directory: `results.csv` (one row per run, trunks excluded) and `curves.csv`, with
///   run directories beside them (read only for WSD branch costs and trunks);
/// - a plain runs directory: subdirectories with `summary.json` + `metrics.csv` (one level of
///   nesting is followed, so `runs/` holding a `scalelab wsd` output works);
/// - one run directory (`summary.json` at its root).
/// Unreadable or unfinished parts become `problems`, not errors: the report says what is missing.
public enum StudyReader {
    public static func read(_ path: String) throws -> Study {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw ScaleLabError.io(path: path, reason: "not a directory (expected a sweep directory with results.csv, a runs directory, or a run directory)")
        }
        let fm = FileManager.default
        func has(_ name: String) -> Bool { fm.fileExists(atPath: (path as NSString).appendingPathComponent(name)) }
        if has("results.csv") { return try readSweep(path) }
        if has("summary.json") || has("metrics.csv") {
            var study = Study(kind: .singleRun, root: path, runs: [], curves: [:], problems: [], tables: [])
            let id = (path as NSString).lastPathComponent
            readRunDirectory(path, id: id, into: &study)
            return study
        }
        var study = Study(kind: .runsDirectory, root: path, runs: [], curves: [:], problems: [], tables: [])
        let names = (try? fm.contentsOfDirectory(atPath: path).sorted()) ?? []
        for name in names where !name.hasPrefix(".") {
            let dir = (path as NSString).appendingPathComponent(name)
            guard isDirectory(dir) else { continue }
            if isRunDirectory(dir) { readRunDirectory(dir, id: name, into: &study); continue }
            // One level down: a `scalelab wsd` output (trunk/, tokens-D/) inside runs/.
            let inner = ((try? fm.contentsOfDirectory(atPath: dir).sorted()) ?? []).filter { isRunDirectory((dir as NSString).appendingPathComponent($0)) }
            if inner.isEmpty {
                study.problems.append("\(name): no summary.json or metrics.csv (not a run, or not started)")
                continue
            }
            for sub in inner { readRunDirectory((dir as NSString).appendingPathComponent(sub), id: "\(name)/\(sub)", into: &study) }
        }
        if study.runs.isEmpty { study.problems.append("no run directories found in \(path) (each run needs summary.json and metrics.csv)") }
        markTrunks(&study)
        return study
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    static func isRunDirectory(_ dir: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: (dir as NSString).appendingPathComponent("summary.json")) || fm.fileExists(atPath: (dir as NSString).appendingPathComponent("metrics.csv"))
    }

    // MARK: - run directories

    static func readRunDirectory(_ dir: String, id: String, into study: inout Study) {
        let summaryPath = (dir as NSString).appendingPathComponent("summary.json")
        var run = RunRecord(id: id, name: id, statusText: "pending")
        run.directory = URL(fileURLWithPath: dir).standardizedFileURL.path
        if let s = readJSON(summaryPath, problems: &study.problems, label: id) {
            fill(&run, fromSummary: s)
        } else if !FileManager.default.fileExists(atPath: summaryPath) {
            study.problems.append("\(id): no summary.json (the run has not written its summary yet)")
        }
        let metricsPath = (dir as NSString).appendingPathComponent("metrics.csv")
        if FileManager.default.fileExists(atPath: metricsPath) {
            do { if let c = try readCurve(CSVTable.read(path: metricsPath), runColumn: nil).values.first { study.curves[id] = c } }
            catch { study.problems.append("\(id): metrics.csv unreadable: \(error)") }
        } else {
            study.problems.append("\(id): no metrics.csv")
        }
        study.runs.append(run)
    }

    static func readJSON(_ path: String, problems: inout [String], label: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            problems.append("\(label): summary.json is not a JSON object (corrupt or half-written)")
            return nil
        }
        return dict
    }

    static func number(_ v: Any?) -> Double? {
        if let n = v as? NSNumber, !(v is Bool) { return n.doubleValue }
        if let s = v as? String { return Double(s) }
        return nil
    }

    static func fill(_ run: inout RunRecord, fromSummary s: [String: Any]) {
        if let name = s["name"] as? String, !name.isEmpty { run.name = name }
        run.statusText = (s["status"] as? String) ?? "missing"
        run.status = RunStatus(text: run.statusText)
        run.nParams = number(s["n_params_total"]); run.nParamsNonEmbedding = number(s["n_params_non_embedding"])
        run.tokens = number(s["tokens"]); run.uniqueTokens = number(s["unique_tokens"]); run.flops = number(s["flops"])
        run.vocabSize = number(s["vocab_size"]); run.dModel = number(s["d_model"]); run.nLayer = number(s["n_layer"])
        run.finalValLoss = number(s["final_val_loss"]); run.bestValLoss = number(s["best_val_loss"]); run.finalTrainLoss = number(s["final_train_loss"])
        run.wallSeconds = number(s["wall_seconds"])
        if let b = s["branch"] as? [String: Any] {
            run.trunkFlops = number(b["trunk_flops"]); run.cooldownFlops = number(b["cooldown_flops"])
            if let ckpt = b["trunk_checkpoint"] as? String { run.trunkId = ckpt }
        }
        // Byte-level runs: one token is one byte, so bits per byte is the loss in bits.
        if run.vocabSize == 256, let l = run.finalValLoss { run.bitsPerByte = l / Foundation.log(2) }
    }

    /// A run whose checkpoints a branch started from is that branch's trunk: matched by path, or
    /// (a study copied elsewhere) by the directory name beside the branch.
    static func markTrunks(_ study: inout Study) {
        for b in study.runs.indices {
            guard let ref = study.runs[b].trunkId else { continue }
            let parts = ref.components(separatedBy: "/")
            let trunkName = parts.count >= 3 && parts[parts.count - 2] == "checkpoints" ? parts[parts.count - 3] : nil
            let parent = (study.runs[b].id as NSString).deletingLastPathComponent
            let match = study.runs.firstIndex { r in
                guard let dir = r.directory, r.id != study.runs[b].id else { return false }
                return ref.hasPrefix(dir + "/checkpoints/")
                    || ((r.id as NSString).deletingLastPathComponent == parent && (r.id as NSString).lastPathComponent == trunkName)
            }
            if let t = match {
                study.runs[t].isTrunk = true
                study.runs[b].trunkId = study.runs[t].id
            }
        }
    }

    // MARK: - sweep directories (results.csv, curves.csv)

    static func readSweep(_ path: String) throws -> Study {
        var study = Study(kind: .sweep, root: path, runs: [], curves: [:], problems: [], tables: ["results.csv"])
        let results = try CSVTable.read(path: (path as NSString).appendingPathComponent("results.csv"))
        func col(_ name: String) -> Int? { results.columnIndex(name) }
        guard let idColumn = col("run_id") else {
            throw ScaleLabError.data(path: results.path, reason: "no run_id column; columns are: \(results.header.joined(separator: ", "))")
        }
        func cell(_ row: [String], _ name: String) -> String? {
            guard let i = col(name), i < row.count, !row[i].isEmpty else { return nil }
            return row[i]
        }
        func num(_ row: [String], _ name: String) -> Double? { cell(row, name).flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil } }
        for (k, row) in results.rows.enumerated() {
            let id = row[idColumn]
            guard !id.isEmpty else { study.problems.append("results.csv line \(results.lineNumbers[k]): empty run_id"); continue }
            var r = RunRecord(id: id, name: cell(row, "name") ?? id, statusText: cell(row, "status") ?? "missing")
            r.nParams = num(row, "n_params_total"); r.nParamsNonEmbedding = num(row, "n_params_non_embedding")
            r.tokens = num(row, "tokens"); r.uniqueTokens = num(row, "unique_tokens"); r.flops = num(row, "flops")
            r.vocabSize = num(row, "vocab_size"); r.dModel = num(row, "d_model"); r.nLayer = num(row, "n_layer")
            r.budget = num(row, "budget"); r.lr = num(row, "lr"); r.schedule = cell(row, "schedule"); r.corpus = cell(row, "corpus")
            r.finalValLoss = num(row, "final_val_loss"); r.bestValLoss = num(row, "best_val_loss"); r.finalTrainLoss = num(row, "final_train_loss")
            r.bitsPerByte = num(row, "bits_per_byte"); r.wallSeconds = num(row, "wall_seconds"); r.trunkId = cell(row, "trunk_id")
            r.copiedFrom = origin(path, id); r.epochs = num(row, "epochs")
            // A branch's own cost is in its run directory's summary.json.
            if r.trunkId != nil {
                var ignored: [String] = []
                if let s = readJSON((path as NSString).appendingPathComponent("\(id)/summary.json"), problems: &ignored, label: id),
                   let b = s["branch"] as? [String: Any] {
                    r.trunkFlops = number(b["trunk_flops"]); r.cooldownFlops = number(b["cooldown_flops"])
                } else {
                    study.problems.append("\(id): WSD branch without \(id)/summary.json: its cooldown cost is unknown, its full FLOPs are counted")
                }
            }
            study.runs.append(r)
        }
        if study.runs.isEmpty { study.problems.append("results.csv has no runs yet") }
        // Trunks are run directories, not rows: read them for the study's cost.
        for trunk in Set(study.runs.compactMap(\.trunkId)).sorted() {
            var t = RunRecord(id: trunk, name: trunk, statusText: "missing")
            var ignored: [String] = []
            let dir = (path as NSString).appendingPathComponent(trunk)
            if let s = readJSON((dir as NSString).appendingPathComponent("summary.json"), problems: &ignored, label: trunk) { fill(&t, fromSummary: s) }
            else if !FileManager.default.fileExists(atPath: dir), study.runs.allSatisfy({ $0.trunkId != trunk || $0.copiedFrom != nil }) {
                continue  // every branch was copied from another sweep, which trained (and counts) the trunk
            } else { study.problems.append("\(trunk): WSD trunk directory has no readable summary.json; its cost is missing") }
            t.isTrunk = true
            t.copiedFrom = origin(path, trunk)
            study.runs.append(t)
        }
        let curvesPath = (path as NSString).appendingPathComponent("curves.csv")
        if FileManager.default.fileExists(atPath: curvesPath) {
            study.tables.append("curves.csv")
            study.curves = try readCurve(CSVTable.read(path: curvesPath), runColumn: "run_id")
        } else {
            study.problems.append("no curves.csv: training curves and curve figures are unavailable")
        }
        return study
    }

    /// The sweep a run directory was copied from (`sweep-origin.txt`, written by the sweep stage).
    static func origin(_ sweep: String, _ id: String) -> String? {
        let file = ((sweep as NSString).appendingPathComponent(id) as NSString).appendingPathComponent("sweep-origin.txt")
        return (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Curves from metrics.csv (one run, `runColumn` nil) or curves.csv (long format).
    static func readCurve(_ t: CSVTable, runColumn: String?) throws -> [String: Curve] {
        guard let stepColumn = t.columnIndex("step") else { throw ScaleLabError.data(path: t.path, reason: "no step column") }
        let runIndex = try runColumn.map { name -> Int in
            guard let i = t.columnIndex(name) else { throw ScaleLabError.data(path: t.path, reason: "no \(name) column") }
            return i
        }
        let ti = t.columnIndex("tokens"), li = t.columnIndex("lr"), tri = t.columnIndex("train_loss"), vi = t.columnIndex("val_loss")
        func value(_ row: [String], _ i: Int?) -> Double? {
            guard let i, i < row.count, let v = Double(row[i]), v.isFinite else { return nil }
            return v
        }
        var out: [String: Curve] = [:]
        let single = (t.path as NSString).deletingLastPathComponent.components(separatedBy: "/").last ?? ""
        for (k, row) in t.rows.enumerated() {
            guard let step = value(row, stepColumn) else {
                throw ScaleLabError.data(path: t.path, reason: "line \(t.lineNumbers[k]): step '\(row[stepColumn])' is not a number")
            }
            let run = runIndex.map { row[$0] } ?? single
            out[run, default: Curve()].append(step: step, tokens: value(row, ti), lr: value(row, li), train: value(row, tri), val: value(row, vi))
        }
        return out
    }
}
