import Foundation
import Support

/// Runs whose loss was still falling fast when training stopped: over the last fifth of the
/// tokens, the slope of the training loss against ln(tokens) gives the relative decrease per
/// doubling of tokens. A fit of final losses treats every run as done; a run still dropping by
/// more than `threshold` per doubling would have ended lower (for WSD/cosine runs the decay
/// phase itself falls fast: read the flag with the schedule in mind).
enum Convergence {
    struct Curve { var tokens: [Double]; var loss: [Double] }

    /// Curves by run name: `<dir>/<run>/metrics.csv` for a runs directory, or `curves.csv`
    /// beside a results CSV (run ids mapped to the names the fit uses). Nil when there are none.
    static func curves(path: String, selection: DataSelection) -> [String: Curve]? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return nil }
        var out: [String: Curve] = [:]
        if isDir.boolValue {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
            for name in names {
                let m = (path as NSString).appendingPathComponent(name + "/metrics.csv")
                guard let t = try? CSVTable.read(path: m), let c = curve(t, rows: Array(t.rows.indices)) else { continue }
                out[name] = c
            }
        } else {
            let dir = (path as NSString).deletingLastPathComponent
            let curvesPath = (dir as NSString).appendingPathComponent("curves.csv")
            guard curvesPath != path, let t = try? CSVTable.read(path: curvesPath), let idCol = t.columnIndex("run_id") else { return nil }
            // Names the fit uses for each run id, from the results table.
            var nameOf: [String: String] = [:]
            if let results = try? CSVTable.read(path: path), let rid = results.columnIndex("run_id") {
                let key = selection.columns["run"] ?? (results.columnIndex("run") != nil ? "run" : "name")
                if let nc = results.columnIndex(key) { for r in results.rows { nameOf[r[rid]] = r[nc] } }
            }
            var rowsOf: [String: [Int]] = [:]
            for (i, r) in t.rows.enumerated() { rowsOf[r[idCol], default: []].append(i) }
            for (id, rows) in rowsOf { if let c = curve(t, rows: rows) { out[nameOf[id] ?? id] = c } }
        }
        return out.isEmpty ? nil : out
    }

    /// Tokens against training loss (validation loss where no training loss was logged).
    static func curve(_ t: CSVTable, rows: [Int]) -> Curve? {
        guard let tc = t.columnIndex("tokens") else { return nil }
        for name in ["train_loss", "val_loss"] {
            guard let lc = t.columnIndex(name) else { continue }
            var pts: [(Double, Double)] = []
            for i in rows { if let x = Double(t.rows[i][tc]), let y = Double(t.rows[i][lc]), x > 0, y.isFinite, y > 0 { pts.append((x, y)) } }
            pts.sort { $0.0 < $1.0 }
            if pts.count >= 5 { return Curve(tokens: pts.map(\.0), loss: pts.map(\.1)) }
        }
        return nil
    }

    /// Relative loss decrease per doubling of tokens over the last fifth of the tokens.
    static func dropPerDoubling(_ c: Curve) -> Double? {
        guard let end = c.tokens.last else { return nil }
        let idx = c.tokens.indices.filter { c.tokens[$0] >= 0.8 * end }
        guard idx.count >= 3 else { return nil }
        let xs = idx.map { Foundation.log(c.tokens[$0]) }, ys = idx.map { c.loss[$0] }
        guard let line = DenseSolve.leastSquares(xs.flatMap { [1, $0 - xs[0]] }, ys, rows: xs.count, columns: 2) else { return nil }
        let lEnd = line[0] + line[1] * (xs.last! - xs[0])
        guard lEnd > 0 else { return nil }
        return -line[1] * Foundation.log(2.0) / lEnd
    }

    static func unconverged(_ curves: [String: Curve], runs: Set<String>, threshold: Double) -> [UnconvergedRun] {
        runs.sorted().compactMap { run in
            guard let c = curves[run], let drop = dropPerDoubling(c), drop > threshold else { return nil }
            return UnconvergedRun(run: run, dropPerDoubling: drop)
        }
    }
}
