import Foundation
import Testing
import Support
@testable import Fitting

/// A sweep directory's results.csv and curves.csv (the sweep contract) are read without --map,
/// and runs whose curves still fell fast at the end are flagged.
@Suite struct SweepInputTests {
    static let header = "run_id,name,status,n_params_total,n_params_non_embedding,tokens,flops,flops_kaplan,budget,final_val_loss,bits_per_byte"

    /// Six budgets × five sizes from a known law; run ids differ from names, as in a sweep.
    static func writeSweep(_ dir: URL, stillFalling: Set<String>) throws -> String {
        let truth: [String: Double] = ["E": 1.8, "A": 480, "B": 2100, "alpha": 0.35, "beta": 0.30]
        var results = header + "\n", curves = "run_id,step,tokens,lr,train_loss,val_loss\n"
        var k = 0
        for c in [1e17, 3e17, 1e18, 3e18, 1e19, 3e19] {
            let nOpt = ChinchillaLaw.optimalAllocation(truth, compute: c).n
            for f in [-1.0, -0.5, 0, 0.5, 1] {
                let n = nOpt * Foundation.exp(f), d = c / (6 * n), loss = ChinchillaLaw.loss(truth, n: n, d: d)
                let id = String(format: "%08x", 0x1000 + k), name = "run\(k)"
                results += "\(id),\(name),done,\(n),\(n * 0.9),\(d),\(6 * n * d),\(6 * n * 0.9 * d),\(c),\(loss),\(loss / 0.7)\n"
                for s in 1...40 {
                    let t = d * Double(s) / 40
                    // Flat at the end, or still falling like the law's own D term.
                    let l = stillFalling.contains(name) ? ChinchillaLaw.loss(truth, n: n, d: t) : loss + 0.5 * Foundation.exp(-Double(s) / 4)
                    curves += "\(id),\(s),\(t),0.001,\(l),\n"
                }
                k += 1
            }
        }
        results += "deadbeef,broken,diverged,1e7,9e6,1e9,6e16,5e16,1e17,nan,\n"
        try AtomicFile.write(results, to: dir.appendingPathComponent("results.csv"))
        try AtomicFile.write(curves, to: dir.appendingPathComponent("curves.csv"))
        return dir.appendingPathComponent("results.csv").path
    }

    /// `scalelab fit runs/<sweep>`: the directory's results.csv (final values) and curves.csv
    /// (curves) are read, not its run directories (where WSD trunks and LR searches also live).
    @Test func aSweepDirectoryIsReadThroughItsTables() throws {
        let dir = try temporaryDirectory("sweep-dir")
        _ = try Self.writeSweep(dir, stillFalling: [])
        // A trunk's run directory beside the tables must not become a run.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("trunk0"), withIntermediateDirectories: true)
        try AtomicFile.write(#"{"status": "finished", "n_params_total": 1e6, "tokens": 1e9, "final_val_loss": 2.5}"#,
                             to: dir.appendingPathComponent("trunk0/summary.json"))
        let finals = try ObservationLoader.load(path: dir.path, selection: DataSelection(), shape: .finalValues)
        #expect(finals.observations.count == 30 && finals.source.hasSuffix("results.csv"))
        let curves = try ObservationLoader.load(path: dir.path, selection: DataSelection(), shape: .curves)
        #expect(curves.source.hasSuffix("curves.csv") && curves.observations.count == 30 * 40)
    }

    /// curves.csv has no run-level columns: each run's N, name and status come from results.csv,
    /// the loss is the validation loss (the training loss with --map loss=train_loss), step 0's
    /// loss is left out, and the curve laws then fit straight from the sweep directory.
    @Test func curveLawsFitFromASweepDirectoryJoinedWithItsResults() throws {
        let dir = try temporaryDirectory("sweep-curves")
        let truth: [String: Double] = ["E": 1.8, "A": 480, "B": 2100, "alpha": 0.35, "beta": 0.30]
        var results = "run_id,name,status,n_params_total\n", curves = "run_id,step,tokens,lr,train_loss,val_loss\n"
        for (k, n) in [1e6, 2e6, 4e6, 8e6, 16e6, 32e6].enumerated() {
            let id = String(format: "%08x", 0xA0 + k), d = 20 * 32e6
            results += "\(id),run\(k),done,\(n)\n"
            for s in 0...40 {
                let t = d * Double(s) / 40, l = s == 0 ? 10.83 : ChinchillaLaw.loss(truth, n: n, d: t)
                curves += "\(id),\(s),\(t),0.001,\(l + 0.01),\(s % 4 == 0 ? String(l) : "")\n"
            }
        }
        results += "deadbeef,broken,diverged,1e6\n"
        curves += "deadbeef,1,1000,0.001,3.0,3.0\n"
        try AtomicFile.write(results, to: dir.appendingPathComponent("results.csv"))
        try AtomicFile.write(curves, to: dir.appendingPathComponent("curves.csv"))

        let set = try ObservationLoader.load(path: dir.path, selection: DataSelection(), shape: .curves)
        let run2 = set.observations.filter { $0.run == "run2" }
        #expect(run2.count == 41 && run2.allSatisfy { $0[.N] == 4e6 && $0[.lr] == 0.001 })
        #expect(run2.filter { $0[.loss] != nil }.count == 10, "validation every 4th step, step 0 left out")
        #expect(run2.allSatisfy { o in o[.loss].map { abs($0 - ChinchillaLaw.loss(truth, n: 4e6, d: o[.D]!)) < 1e-9 } ?? true })
        #expect(!set.observations.contains { $0.run == "broken" } && set.excluded.map(\.run) == ["broken"])
        var train = DataSelection()
        try train.addMapping("loss=train_loss")
        let trained = try ObservationLoader.load(path: dir.path, selection: train, shape: .curves)
        #expect(trained.observations.filter { $0.run == "run2" && $0[.loss] != nil }.count == 40)

        let report = try ScalingFit.run(FitRequest(path: dir.path, laws: [.chinchillaEnvelope, .annealing]))
        #expect(report.fit(.chinchillaEnvelope) != nil && report.fit(.annealing) != nil)
        #expect(report.runsUsed.sorted() == (0..<6).map { "run\($0)" })
    }

    @Test func resultsAndCurvesOfASweepAreReadWithoutMapping() throws {
        let dir = try temporaryDirectory("sweep")
        let path = try Self.writeSweep(dir, stillFalling: ["run3", "run17"])
        var opt = FitOptions()
        opt.gridStride = 15
        let report = try ScalingFit.run(FitRequest(path: path, laws: [.chinchilla, .chinchillaIsoFLOP], options: opt))
        #expect(report.runsUsed.count == 30)
        #expect(report.runsExcluded.map(\.run) == ["broken"])
        let fit = try #require(report.fit(.chinchilla))
        #expect(abs(fit.params["alpha"]! - 0.35) < 1e-3)
        #expect(fit.diagnostics?.unconvergedRuns.map(\.run) == ["run17", "run3"])
        #expect(report.fit(.chinchillaIsoFLOP)?.settings["grouped_by_budget_column"] == 1)
        // Kaplan's convention on the same budgets: N and C mapped, budgets kept by the column.
        var sel = DataSelection()
        try sel.addMapping("N=n_params_non_embedding"); try sel.addMapping("C=flops_kaplan")
        let kaplan = try ScalingFit.run(FitRequest(path: path, laws: [.chinchillaIsoFLOP], selection: sel, options: opt))
        #expect(kaplan.fits[0].budgets?.filter { $0.excluded == nil }.count == 6)
    }

    /// Validation logged twice per run: the envelope law says why it cannot run and what to do.
    @Test func sparseValidationCurvesGetAHint() throws {
        var rows: [Observation] = []
        for (i, n) in [1e6, 2e6, 4e6, 8e6].enumerated() { for s in [1.0, 2.0] {
            rows.append(obs([.N: n, .D: 1e8 * s, .step: s, .loss: 4 - 0.2 * Double(i) - 0.1 * s], run: "r\(i)"))
        } }
        let fit = try EnvelopeLaw.fit(rows, options: FitOptions())
        #expect(fit.diagnostics?.verdict.level == .weaklyDetermined)
        #expect(fit.diagnostics?.verdict.reason.contains("--map loss=train_loss") == true)
        // With one run fewer no interior size is left: the error carries the same hint.
        #expect { try EnvelopeLaw.fit(rows.filter { $0.run != "r1" }, options: FitOptions()) } throws: { "\($0)".contains("--map loss=train_loss") }
    }
}
