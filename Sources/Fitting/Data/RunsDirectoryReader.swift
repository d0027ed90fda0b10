import Foundation
import Support

/// Reads ScaleLab run directories: `<dir>/<name>/summary.json` (final values, status) and, for
/// curve laws, `<dir>/<name>/metrics.csv` (step, tokens, lr, train_loss, val_loss, grad_norm,
/// seconds). Runs whose status is not "finished" (diverged, running) are excluded with the
/// reason; so are directories without a summary.
enum RunsDirectoryReader {
    /// Default summary.json key for each quantity (override with --map QUANTITY=KEY; nested
    /// objects are addressed with dots, e.g. `flops.six_nd`).
    static let summaryDefaults: [String: String] = [
        "N": "n_params_total", "D": "tokens", "C": "flops", "V": "vocab_size", "loss": "final_val_loss",
        "d": "d_model", "U": "unique_tokens", "Nv": "n_params_vocab",
        "batch": "batch_size", "Lu": "unigram_normalized_loss", "bpb": "bits_per_byte",
    ]
    /// Default metrics.csv column for each quantity of a curve.
    static let metricsDefaults: [String: String] = ["step": "step", "lr": "lr", "loss": "val_loss", "D": "tokens"]

    static func read(directory: String, selection: DataSelection, shape: DataShape) throws -> ObservationSet {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        var observations: [Observation] = []
        var excluded: [RunExclusion] = []
        var columns = Set<String>()
        for name in names {
            let runDir = (directory as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: runDir, isDirectory: &isDir), isDir.boolValue else { continue }
            let summaryPath = (runDir as NSString).appendingPathComponent("summary.json")
            guard let data = FileManager.default.contents(atPath: summaryPath) else {
                excluded.append(RunExclusion(run: name, reason: "no summary.json (unfinished or not a run)"))
                continue
            }
            let summary: [String: Any]
            do {
                guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ScaleLabError.data(path: summaryPath, reason: "not a JSON object")
                }
                summary = flatten(obj)
            } catch let e as ScaleLabError { throw e } catch {
                throw ScaleLabError.data(path: summaryPath, reason: "invalid JSON: \(error)")
            }
            columns.formUnion(summary.keys)
            let status = (summary[selection.columns["status"] ?? "status"] as? String) ?? "missing"
            guard status == "finished" else {
                excluded.append(RunExclusion(run: name, reason: "status is '\(status)', not 'finished'"))
                continue
            }
            var values: [Quantity: Double] = [:]
            for q in Quantity.allCases {
                let key = selection.columns[q.rawValue] ?? summaryDefaults[q.rawValue] ?? q.rawValue
                if let v = summary[key] as? Double { values[q] = v }
            }
            switch shape {
            case .finalValues:
                guard let loss = values[.loss] else {
                    excluded.append(RunExclusion(run: name, reason: "summary.json has no '\(selection.columns["loss"] ?? "final_val_loss")'"))
                    continue
                }
                guard loss.isFinite else {
                    excluded.append(RunExclusion(run: name, reason: "final loss is not finite (diverged)"))
                    continue
                }
                var o = Observation(run: name, source: summaryPath, values: values)
                o.deriveComputeOrTokens()
                observations.append(o)
            case .curves:
                let metricsPath = (runDir as NSString).appendingPathComponent("metrics.csv")
                guard FileManager.default.fileExists(atPath: metricsPath) else {
                    excluded.append(RunExclusion(run: name, reason: "no metrics.csv"))
                    continue
                }
                let table = try CSVTable.read(path: metricsPath)
                columns.formUnion(table.header)
                // Per-step values come from metrics.csv; run constants (N, V, d, U) from the summary.
                var perRun = values
                for q in [Quantity.loss, .step, .lr, .D, .C] { perRun[q] = nil }
                let (rows, _) = try ObservationLoader.observations(from: table, selection: selection, defaults: metricsDefaults,
                                                                   shape: .curves, fixedRun: name, extra: perRun)
                if rows.isEmpty { excluded.append(RunExclusion(run: name, reason: "metrics.csv has no row with a loss")); continue }
                observations += rows
            }
        }
        return ObservationSet(source: directory, observations: observations, excluded: excluded, availableColumns: columns.sorted())
    }

    /// Nested objects become dotted keys; numbers become Double, strings stay strings.
    static func flatten(_ obj: [String: Any], prefix: String = "") -> [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in obj {
            let key = prefix.isEmpty ? k : "\(prefix).\(k)"
            if let d = v as? [String: Any] { out.merge(flatten(d, prefix: key)) { a, _ in a } }
            else if let s = v as? String { out[key] = Double(s) ?? (s as Any) }
            else if let n = v as? NSNumber { out[key] = n.doubleValue }
            else { out[key] = v }
        }
        return out
    }
}
