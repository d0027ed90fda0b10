import Fitting
import Foundation
import Report
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
    /// fits the law on the others' curves (the report's reader and curve table), and scores the
    /// prediction over the held-out run's validation points.
    static func run(sweepDirectory dir: URL, options: FitOptions) throws -> (AnnealingCheck, FitReport) {
        let study = try StudyReader.read(dir.path)
        let done = study.finished
        guard done.count >= 2, let last = done.last else {
            throw ScaleLabError.data(path: dir.path, reason: "the annealing check needs 2 or more finished runs (fit on some, predict the last); found \(done.count)")
        }
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-annealing-\(UUID().uuidString).csv")
        try AtomicFile.write(FitAdapter.curvesCSV(Array(done.dropLast()), study), to: table, durable: false)
        defer { try? FileManager.default.removeItem(at: table) }
        var report = try ScalingFit.run(FitRequest(path: table.path, laws: [.annealing], options: options))
        report.source = dir.path
        guard let fit = report.fits.first else { throw ScaleLabError.invalid("the annealing fit returned nothing") }
        // Every logged step with its rate (the law integrates the schedule), scored where validated.
        let curve = study.curves[last.id]
        let logged = curve.map { c in c.step.indices.compactMap { i in c.lr[i].map { (step: c.step[i], lr: $0, loss: c.valLoss[i]) } }.filter { $0.step > 0 } } ?? []
        let predicted = AnnealingLaw.predictCurve(fit, steps: logged.map(\.step), lr: logged.map(\.lr))
        var errors: [Double] = []
        for (p, q) in zip(logged, predicted) { if let o = p.loss, q.isFinite, o > 0 { errors.append(abs(q - o) / o) } }
        guard !errors.isEmpty else { throw ScaleLabError.data(path: dir.path, reason: "run \(last.name) has no validation point to predict") }
        let check = AnnealingCheck(fittedRuns: done.dropLast().map(\.name), heldOutRun: last.name, points: errors.count,
                                   meanAbsRelativeError: errors.reduce(0, +) / Double(errors.count), maxAbsRelativeError: errors.max() ?? .nan)
        return (check, report)
    }
}
