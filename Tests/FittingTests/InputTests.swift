import Foundation
import Testing
import Support
@testable import Fitting

/// Reading CSV files and runs directories, selection, and the errors bad input gets.
@Suite struct InputTests {
    @Test func csvQuotingMappingAndDerivedTokens() throws {
        let t = try CSVTable.parse("\"Model, Size\",Training FLOP,loss\n\"1e9\",6e18,2.5\n\n2e9,1.2e19,2.4\n", path: "x.csv")
        #expect(t.header == ["Model, Size", "Training FLOP", "loss"] && t.rows.count == 2 && t.lineNumbers == [2, 4])
        let dir = try temporaryDirectory("map")
        let path = try writeCSV(dir, "r.csv", header: ["size", "flop", "loss"], rows: [[1e9, 6e18, 2.5], [2e9, 1.2e19, 2.4]])
        var sel = DataSelection()
        try sel.addMapping("N=size"); try sel.addMapping("C=flop")
        let set = try ObservationLoader.load(path: path, selection: sel, shape: .finalValues)
        #expect(set.observations.map { $0[.D]! } == [1e9, 1e9])  // D = C/(6N)
    }

    @Test func whereAndDropHighestLossRecordExclusions() throws {
        let dir = try temporaryDirectory("where")
        var table: [[Double]] = []
        for i in 0..<8 { table.append([1e8 * Double(i + 1), 1e9, 3.0 + Double(i) * 0.1]) }
        let path = try writeCSV(dir, "r.csv", header: ["N", "D", "loss"], rows: table)
        let sel = DataSelection(filters: [try RowFilter(parsing: "loss<3.65")], dropHighestLoss: 2)
        let set = try ObservationLoader.load(path: path, selection: sel, shape: .finalValues)
        #expect(set.observations.count == 5)
        #expect(set.excluded.filter { $0.reason.contains("--where loss<3.65") }.count == 1)
        #expect(set.excluded.filter { $0.reason.contains("highest") }.count == 2)
        #expect(throws: ScaleLabError.self) { try RowFilter(parsing: "los<3") }
        #expect(throws: ScaleLabError.self) { try RowFilter(parsing: "loss~3") }
    }

    @Test func badInputGetsClearErrors() throws {
        let dir = try temporaryDirectory("bad")
        let nan = try writeCSV(dir, "nan.csv", header: ["N", "D", "loss"], rows: [[1e8, 1e9, .nan]])
        #expect { try ObservationLoader.load(path: nan, selection: DataSelection(), shape: .finalValues) } throws: { e in
            "\(e)".contains("nan.csv") && "\(e)".contains("line 2")
        }
        var negRows: [[Double]] = []
        for i in 0..<12 { let loss: Double = i == 4 ? -1 : 3; negRows.append([1e8 * Double(i + 1), 1e9 * Double(i % 3 + 1), loss]) }
        let neg = try writeCSV(dir, "neg.csv", header: ["N", "D", "loss"], rows: negRows)
        #expect { try ScalingFit.run(FitRequest(path: neg, laws: [.chinchilla])) } throws: { "\($0)".contains("loss must be positive") && "\($0)".contains("neg.csv:6") }
        let few = try writeCSV(dir, "few.csv", header: ["N", "D", "loss"], rows: [[1e8, 1e9, 3], [2e8, 2e9, 2.9]])
        #expect { try ScalingFit.run(FitRequest(path: few, laws: [.chinchilla])) } throws: { "\($0)".contains("at least 10 runs") }
        var colRows: [[Double]] = []
        for i in 0..<12 { colRows.append([Double(i + 1), 3]) }
        let noColumns = try writeCSV(dir, "cols.csv", header: ["size", "loss"], rows: colRows)
        #expect { try ScalingFit.run(FitRequest(path: noColumns, laws: [.chinchilla])) } throws: { "\($0)".contains("needs N, D") && "\($0)".contains("--map") }
        var badMap = DataSelection()
        try badMap.addMapping("N=Model Size")
        #expect { try ObservationLoader.load(path: noColumns, selection: badMap, shape: .finalValues) } throws: { "\($0)".contains("no column 'Model Size'") }
        #expect(throws: ScaleLabError.self) { var s = DataSelection(); try s.addMapping("Q=col") }
        var isoRows: [[Double]] = []
        for i in 0..<7 { let l: Double = 3 + 0.01 * Double((i - 3) * (i - 3)); isoRows.append([1e8 * Double(i + 1), 1e19, l]) }
        let oneBudget = try writeCSV(dir, "iso.csv", header: ["N", "C", "loss"], rows: isoRows)
        #expect { try ScalingFit.run(FitRequest(path: oneBudget, laws: [.chinchillaIsoFLOP])) } throws: { "\($0)".contains("2 or more compute budgets") }
        #expect { try ScalingFit.run(FitRequest(path: dir.appendingPathComponent("missing.csv").path, laws: [.kaplan])) } throws: { "\($0)".contains("no such file") }
    }

    /// A runs directory: finished runs are used, diverged/running/summary-less ones excluded with
    /// the reason; curve laws read metrics.csv.
    @Test func runsDirectoryStatusAndCurves() throws {
        let dir = try temporaryDirectory("runs")
        func run(_ name: String, status: String?, n: Double, loss: Double) throws {
            let r = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: r, withIntermediateDirectories: true)
            guard let status else { return }
            let summary: [String: Any] = ["status": status, "n_params_total": n, "n_params_non_embedding": n * 0.8, "tokens": 20 * n,
                                          "flops": 6 * n * 20 * n, "final_val_loss": loss, "final_train_loss": loss, "vocab_size": 512]
            try AtomicFile.write(JSONSerialization.data(withJSONObject: summary), to: r.appendingPathComponent("summary.json"))
            var m = "step,tokens,lr,train_loss,val_loss,grad_norm,seconds\n"
            for s in 1...20 { m += "\(s * 10),\(Double(s) * n),0.001,\(loss + 1.0 / Double(s)),\(s % 2 == 0 ? String(loss + 1.0 / Double(s)) : ""),1.0,\(s)\n" }
            try AtomicFile.write(m, to: r.appendingPathComponent("metrics.csv"))
        }
        for (i, n) in [1e6, 2e6, 4e6, 8e6].enumerated() { try run("ok\(i)", status: "finished", n: n, loss: 4 - Double(i) * 0.3) }
        try run("bad", status: "diverged", n: 1e6, loss: 9)
        try run("busy", status: "running", n: 1e6, loss: 5)
        try run("empty", status: nil, n: 0, loss: 0)
        let report = try ScalingFit.run(FitRequest(path: dir.path, laws: [.kaplan]))
        #expect(report.runsUsed == ["ok0", "ok1", "ok2", "ok3"])
        let reasons = Dictionary(uniqueKeysWithValues: report.runsExcluded.map { ($0.run, $0.reason) })
        #expect(reasons["bad"]?.contains("diverged") == true && reasons["busy"]?.contains("running") == true && reasons["empty"]?.contains("summary.json") == true)
        let kaplanN = try #require(report.fit(.kaplan, variable: "N"))
        #expect(kaplanN.nPoints == 4)
        var sel = DataSelection()
        try sel.addMapping("N=n_params_non_embedding")
        let curves = try ObservationLoader.load(path: dir.path, selection: sel, shape: .curves)
        // val_loss logged every other step; the other steps stay as schedule rows (lr, no loss).
        #expect(curves.observations.filter { $0[.loss] != nil }.count == 4 * 10 && curves.observations.count == 4 * 20)
        let sizes: [String: Double] = ["ok0": 1e6, "ok1": 2e6, "ok2": 4e6, "ok3": 8e6]
        for o in curves.observations { #expect(o[.N] == sizes[o.run]! * 0.8) }
    }

    /// fit → JSON file → predict, and the same request twice gives the same bytes.
    @Test func fitFileRoundTripAndDeterminism() throws {
        let dir = try temporaryDirectory("predict")
        var rng = SeededRandom(seed: 9)
        let truth: [String: Double] = ["E": 1.8, "A": 480, "B": 2100, "alpha": 0.35, "beta": 0.37]
        var rows: [[Double]] = []
        for i in 0..<8 { for r in [2.0, 5, 10, 20, 50, 100] {
            let n = 1e7 * Foundation.pow(1000, Double(i) / 7)
            rows.append([n, n * r, ChinchillaLaw.loss(truth, n: n, d: n * r) * Foundation.exp(0.002 * rng.nextGaussian())])
        } }
        let path = try writeCSV(dir, "runs.csv", header: ["N", "D", "loss"], rows: rows)
        var opt = FitOptions()
        opt.gridStride = 30; opt.bootstrap = 20; opt.holdoutFraction = 0.2
        let request = FitRequest(path: path, laws: [.chinchilla, .kaplan], options: opt)
        let a = try JSONOutput.encode(ScalingFit.run(request)), b = try JSONOutput.encode(ScalingFit.run(request))
        #expect(a == b)
        let file = dir.appendingPathComponent("fit.json")
        try AtomicFile.write(a, to: file)
        var q = PredictionQuery()
        q.compute = 1e21
        q.law = .chinchilla
        let row = try #require(try Prediction.predict(fitFile: file.path, query: q).first)
        #expect(relErr(6 * row.values["N_opt"]! * row.values["D_opt"]!, 1e21) < 1e-9)
        let fitted = try Prediction.readReport(path: file.path).fit(.chinchilla)!
        for f in [0.8, 1.25] {  // the optimum is a minimum along the iso-compute line
            let n = row.values["N_opt"]! * f
            #expect(ChinchillaLaw.loss(fitted.params, n: n, d: 1e21 / (6 * n)) > row.values["loss"]!)
        }
        #expect(fitted.holdout != nil && fitted.holdout!.meanAbsRelativeError < 0.01)
        #expect(fitted.ci95?["alpha"] != nil)
        q = PredictionQuery(); q.params = 1e9; q.tokens = 2e10; q.law = .chinchilla
        let point = try #require(try Prediction.predict(fitFile: file.path, query: q).first)
        #expect(relErr(point.values["loss"]!, ChinchillaLaw.loss(truth, n: 1e9, d: 2e10)) < 0.01)
    }
}
