import Fitting
import Foundation
import Support

/// Lab 03's check (Tissue et al. 2024): the LR-annealing law fitted to the validation curves of
/// some runs of one model predicts the whole curve of another run under a schedule it never saw.
public struct AnnealingCheck: Codable, Sendable {
    public var fittedRuns: [String]
    public var heldOutRun: String
    public var points: Int
    /// Mean over the held-out curve's validation points of |predicted − observed| / observed.
    public var meanAbsRelativeError: Double
    public var maxAbsRelativeError: Double

    enum CodingKeys: String, CodingKey {
        case fittedRuns = "fitted_runs", heldOutRun = "held_out_run", points
        case meanAbsRelativeError = "mean_abs_relative_error", maxAbsRelativeError = "max_abs_relative_error"
    }

    /// Holds out the last finished run of results.csv (a study lists the schedule to predict last),
    /// fits the law on the others' curves from curves.csv, and scores the prediction.
    static func run(sweepDirectory dir: URL, options: FitOptions) throws -> (AnnealingCheck, FitReport) {
        let results = try CSVTable.read(path: dir.appendingPathComponent("results.csv").path)
        guard let idColumn = results.columnIndex("run_id"), let status = results.columnIndex("status"),
              let nameColumn = results.columnIndex("name"), let params = results.columnIndex("n_params_total") else {
            throw ScaleLabError.data(path: results.path, reason: "needs the columns run_id, name, status and n_params_total")
        }
        let done = results.rows.filter { $0[status] == "done" }
        guard done.count >= 2, let last = done.last else {
            throw ScaleLabError.data(path: results.path, reason: "the annealing check needs 2 or more finished runs (fit on some, predict the last); found \(done.count)")
        }
        let curves = try CSVTable.read(path: dir.appendingPathComponent("curves.csv").path)
        guard let run = curves.columnIndex("run_id"), let step = curves.columnIndex("step"), let lr = curves.columnIndex("lr"),
              let val = curves.columnIndex("val_loss"), let tokens = curves.columnIndex("tokens") else {
            throw ScaleLabError.data(path: curves.path, reason: "needs the columns run_id, step, tokens, lr and val_loss")
        }
        // Logged steps with their rate (every row), and the validation points among them.
        var byRun: [String: [(step: Double, lr: Double, loss: Double?, tokens: String)]] = [:]
        for r in curves.rows {
            guard let s = Double(r[step]), let l = Double(r[lr]), s > 0 else { continue }
            byRun[r[run], default: []].append((s, l, Double(r[val]), r[tokens]))
        }
        var csv = "run,step,lr,loss,D,N\n"
        for r in done.dropLast() {
            for p in byRun[r[idColumn]] ?? [] { if let loss = p.loss { csv += "\(r[idColumn]),\(p.step),\(p.lr),\(loss),\(p.tokens),\(r[params])\n" } }
        }
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-annealing-\(UUID().uuidString).csv")
        try AtomicFile.write(csv, to: table, durable: false)
        defer { try? FileManager.default.removeItem(at: table) }
        var report = try ScalingFit.run(FitRequest(path: table.path, laws: [.annealing], options: options))
        report.source = dir.path
        guard let fit = report.fits.first else { throw ScaleLabError.invalid("the annealing fit returned nothing") }
        let held = byRun[last[idColumn]] ?? []
        let predicted = AnnealingLaw.predictCurve(fit, steps: held.map(\.step), lr: held.map(\.lr))
        var errors: [Double] = []
        for (p, q) in zip(held, predicted) { if let o = p.loss, q.isFinite, o > 0 { errors.append(abs(q - o) / o) } }
        guard !errors.isEmpty else { throw ScaleLabError.data(path: curves.path, reason: "run \(last[nameColumn]) has no validation point to predict") }
        let check = AnnealingCheck(fittedRuns: done.dropLast().map { $0[nameColumn] }, heldOutRun: last[nameColumn], points: errors.count,
                                   meanAbsRelativeError: errors.reduce(0, +) / Double(errors.count), maxAbsRelativeError: errors.max() ?? .nan)
        return (check, report)
    }
}
