import Foundation
import Testing
@testable import Sweep

/// Real sweeps of tiny models on this machine, in process and through the built executable.
@Suite(.serialized) struct LocalSweepTests {
    @Test func localSweepWritesTheContractsTables() throws {
        let dir = scratch("local")
        let text = try wordsFile(in: dir)
        let config = try SweepConfig.parse(yaml: tinySweepYAML(name: "t", text: text), source: "s.yaml")
        let directory = SweepDirectory(dir.appendingPathComponent("runs/t"))
        let outcome = try LocalExecutor.run(config, directory: directory, options: .init(jobs: 2, threads: 1),
                                            progress: SweepProgress(interactive: false, write: { _ in }))
        #expect(outcome.counts[.done] == 4)
        let rows = CSV.parse(try String(contentsOf: directory.resultsURL, encoding: .utf8))
        #expect(rows[0] == ResultsTable.fixedColumns + ["model.d_model", "model.n_layer", "model.n_head", "training.steps"])
        #expect(rows.count == 5, "one row per run, trunks are not rows")
        let plan = try directory.readPlan()
        let trunkIDs = Set(plan.runs.filter { $0.role == .trunk }.map(\.id))
        let col = Dictionary(uniqueKeysWithValues: rows[0].enumerated().map { ($1, $0) })
        for row in rows.dropFirst() {
            #expect(row[col["status"]!] == "done")
            #expect(!trunkIDs.contains(row[col["run_id"]!]))
            #expect(trunkIDs.contains(row[col["trunk_id"]!]), "each row names its trunk")
            let loss = try #require(Double(row[col["final_val_loss"]!]))
            #expect(loss > 0 && loss < 5.6, "trained below the uniform ln 256 = 5.55")
            // Bits per byte of a byte-level run: loss / ln 2.
            let bpb = try #require(Double(row[col["bits_per_byte"]!]))
            #expect(abs(bpb - loss / log(2)) < 1e-9)
            let tokens = try #require(Double(row[col["tokens"]!])), n = try #require(Double(row[col["n_params_total"]!]))
            #expect(abs(try #require(Double(row[col["flops"]!])) - 6 * n * tokens) <= 1e-6 * 6 * n * tokens)
            #expect(Int(row[col["unique_tokens"]!]) != nil && Double(row[col["unigram_normalized_loss"]!]) != nil)
        }
        // curves.csv: every logged step of every row, the branch's curve including its trunk's steps.
        let curves = CSV.parse(try String(contentsOf: directory.curvesURL, encoding: .utf8))
        #expect(curves[0] == ["run_id", "step", "tokens", "lr", "train_loss", "val_loss"])
        let longest = try #require(plan.runs.first { $0.role == .run && $0.config.training.steps == 200 })
        let steps = curves.filter { $0[0] == longest.id }.map { Int($0[1])! }
        #expect(steps.first == 0 && steps.last == 200)
        #expect(curves.filter { $0[0] == longest.id && !$0[5].isEmpty }.count >= 10, "validation at least 10 times in the shortest run")

        // Running it again repeats nothing.
        let again = try LocalExecutor.run(config, directory: directory, options: .init(jobs: 2, threads: 1),
                                          progress: SweepProgress(interactive: false, write: { _ in }))
        #expect(again.counts[.done] == 4 && again.wallSeconds < 2)
    }

    @Test func learningRateSearchPicksEachSizesBestRateAndRecordsIt() throws {
        let dir = scratch("tune")
        let text = try wordsFile(in: dir)
        let yaml = tinySweepYAML(name: "t", text: text, extra: "lr: {tune: {rates: [1.0e-4, 1.0e-2], tokens: 12800}}")
        let directory = SweepDirectory(dir.appendingPathComponent("runs/t"))
        let outcome = try LocalExecutor.run(try SweepConfig.parse(yaml: yaml, source: "s.yaml"), directory: directory,
                                            options: .init(jobs: 2, threads: 1), progress: SweepProgress(interactive: false, write: { _ in }))
        #expect(outcome.counts[.done] == 4)
        let tuning = CSV.parse(try String(contentsOf: directory.tuningURL, encoding: .utf8))
        #expect(tuning.count == 5, "2 sizes × 2 rates")
        let plan = try directory.readPlan()
        for group in Set(plan.runs.compactMap(\.tuneGroup)) {
            let candidates = tuning.dropFirst().filter { $0[0] == group }
            let best = try #require(candidates.min { Double($0[7])! < Double($1[7])! })
            #expect(best[8] == "yes" && candidates.filter { $0[8] == "yes" }.count == 1)
            let chosen = Double(best[4])!
            #expect(plan.lrChoices[group] == chosen)
            let users = plan.runs.filter { $0.role != .lrTune && $0.tuneGroup == group }
            #expect(!users.isEmpty && users.allSatisfy { $0.config.training.lr == chosen })
        }
    }

    /// A second sweep beside the first copies the runs it shares (same run ids) instead of training
    /// them, extends the shared trunk for its longer run, and that run equals, bit for bit, the
    /// same run of a sweep that trained everything itself. The power-law learning rate has 17
    /// significant digits, which the plan's YAML must keep for the ids and the runs to agree.
    @Test func aSweepCopiesTheRunsItSharesWithASiblingAndExtendsItsTrunk() throws {
        let dir = scratch("share")
        let text = try wordsFile(in: dir)
        let lr = "lr: {power_law: {anchor_params: 3000, anchor_lr: 1.0e-2, exponent: -0.3, params: non_embedding}}"
        let quiet = SweepProgress(interactive: false, write: { _ in })
        let first = SweepDirectory(dir.appendingPathComponent("runs/first"))
        _ = try LocalExecutor.run(try SweepConfig.parse(yaml: tinySweepYAML(name: "first", text: text, extra: lr), source: "a.yaml"),
                                  directory: first, options: .init(jobs: 1, threads: 1), progress: quiet)
        let firstPlan = try first.readPlan()
        #expect(firstPlan.runs.contains { $0.config.training.lr.description.count > 12 }, "an lr with many digits")

        let longer = tinySweepYAML(name: "second", text: text, extra: lr).replacingOccurrences(of: "tokens: [25600, 51200]", with: "tokens: [25600, 51200, 76800]")
        let config = try SweepConfig.parse(yaml: longer, source: "b.yaml")
        let second = SweepDirectory(dir.appendingPathComponent("runs/second"))
        // A copy cut short by a kill leaves a staging folder, which the next sweep removes.
        let stale = second.url.appendingPathComponent(".copy-0123456789ab-99999")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        let lines = Lines()
        _ = try LocalExecutor.run(config, directory: second, options: .init(jobs: 1, threads: 1),
                                  progress: SweepProgress(interactive: false, write: { lines.append($0) }))
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        let plan = try second.readPlan()
        let shared = plan.runs.filter { $0.role == .run && firstPlan.runsByID[$0.id] != nil }
        #expect(shared.count == 4, "the first sweep's 4 runs are the second's too")
        for r in shared {
            #expect(second.origin(r.id) == "first")
            let a = try String(contentsOf: first.runDirectory(r.id).appendingPathComponent("metrics.csv"), encoding: .utf8)
            let b = try String(contentsOf: second.runDirectory(r.id).appendingPathComponent("metrics.csv"), encoding: .utf8)
            #expect(a == b)
        }
        #expect(lines.all.contains { $0.contains("4 run(s) and 2 trunk(s) copied from sweep first") }, "\(lines.all)")
        for trunk in plan.runs where trunk.role == .trunk { #expect(second.origin(trunk.id) == "first", "trunk extended, not retrained") }

        // A third sweep with the first's lengths copies every branch and needs no trunk at all.
        let third = SweepDirectory(dir.appendingPathComponent("runs/third"))
        let out = try LocalExecutor.run(try SweepConfig.parse(yaml: tinySweepYAML(name: "third", text: text, extra: lr), source: "c.yaml"),
                                        directory: third, options: .init(jobs: 1, threads: 1), progress: quiet)
        #expect(out.counts[.done] == 4)
        let status = try SweepStatus.report(third, collect: false)
        #expect(status.rows.filter { $0.run.role == .trunk }.allSatisfy { $0.state == "not needed" })
        #expect(status.rows.filter { $0.run.role == .trunk }.allSatisfy { !FileManager.default.fileExists(atPath: third.runDirectory($0.run.id).path) })

        // The longer runs, from extended trunks, equal those of a sweep that trained all by itself.
        let alone = SweepDirectory(dir.appendingPathComponent("alone/second"))
        _ = try LocalExecutor.run(config, directory: alone, options: .init(jobs: 1, threads: 1), progress: quiet)
        let new = plan.runs.filter { $0.role == .run && firstPlan.runsByID[$0.id] == nil }
        #expect(new.count == 2)
        for r in new {
            #expect(second.origin(r.id) == nil)
            // Every column but the last (wall-clock seconds).
            func numbers(_ d: SweepDirectory) throws -> [[String]] {
                CSV.parse(try String(contentsOf: d.runDirectory(r.id).appendingPathComponent("metrics.csv"), encoding: .utf8)).map { Array($0.dropLast()) }
            }
            let a = try numbers(alone), b = try numbers(second)
            #expect(a.count > 10 && a == b, "run \(r.id)")
        }
    }

    @Test func aDivergedRunIsRecordedAndTheSweepGoesOn() throws {
        let dir = scratch("diverge")
        let text = try wordsFile(in: dir)
        let config = try SweepConfig.parse(yaml: tinySweepYAML(name: "t", text: text), source: "s.yaml",
                                           overrides: ["grid.training.lr=[1.0e-2, 1.0e+6]"])
        let directory = SweepDirectory(dir.appendingPathComponent("runs/t"))
        let outcome = try LocalExecutor.run(config, directory: directory, options: .init(jobs: 2, threads: 1),
                                            progress: SweepProgress(interactive: false, write: { _ in }))
        #expect(outcome.counts[.done] == 4 && outcome.counts[.diverged] == 4, "\(outcome.counts)")
    }

    @Test(.enabled(if: scalelab != nil, "scalelab executable not built"))
    func killedAtRandomPointsTheSweepEndsAsIfUninterrupted() throws {
        let dir = scratch("kill")
        let text = try wordsFile(in: dir)
        let config = dir.appendingPathComponent("s.yaml")
        try tinySweepYAML(name: "k", text: text).write(to: config, atomically: true, encoding: .utf8)
        // Three lengths (about 3 s uninterrupted), so that every kill lands inside the sweep.
        let args = ["sweep", config.path, "--jobs", "2", "--threads", "1", "--set", "tokens=[25600,51200,102400]", "--runs-dir"]
        let started = Date()
        let reference = try runScalelab(args + [dir.appendingPathComponent("reference").path])
        #expect(reference.status == 0, "\(reference.stderr)")
        // Kill points are drawn within the first part of an uninterrupted sweep's time on this
        // machine (a fixed range would let a fast machine finish before any kill lands); each
        // resumed attempt has less left to do, so attempts continue until three kills landed or
        // an attempt finished by itself.
        let wall = max(Date().timeIntervalSince(started), 0.3)

        var rng = SystemRandomNumberGenerator()
        let killed = dir.appendingPathComponent("killed").path
        var kills = 0
        for _ in 0..<12 where kills < 3 {
            let p = Process()
            p.executableURL = scalelab
            p.arguments = args + [killed]
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...(0.3 * wall), using: &rng))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            if p.terminationReason == .exit && p.terminationStatus == 0 && kills >= 2 { break }
        }
        let final = try runScalelab(args + [killed])
        #expect(final.status == 0, "\(final.stderr)")
        print("killed the sweep \(kills) times")
        #expect(kills >= 2, "the sweep must be interrupted, not finish before the kills")
        let a = try comparableResults(dir.appendingPathComponent("reference/k/results.csv"))
        let b = try comparableResults(dir.appendingPathComponent("killed/k/results.csv"))
        #expect(a.count == 6 && a == b)
        #expect(try String(contentsOf: dir.appendingPathComponent("reference/k/curves.csv"), encoding: .utf8)
                == (try String(contentsOf: dir.appendingPathComponent("killed/k/curves.csv"), encoding: .utf8)))
    }

    @Test(.enabled(if: scalelab != nil, "scalelab executable not built"))
    func aSecondSweepProcessOnTheSameDirectoryIsRefused() throws {
        let dir = scratch("lock")
        let text = try wordsFile(in: dir)
        let config = dir.appendingPathComponent("s.yaml")
        try tinySweepYAML(name: "l", text: text).write(to: config, atomically: true, encoding: .utf8)
        let directory = SweepDirectory(dir.appendingPathComponent("runs/l"))
        let held = try directory.lock()
        let r = try runScalelab(["sweep", config.path, "--jobs", "1", "--threads", "1", "--runs-dir", dir.appendingPathComponent("runs").path])
        #expect(r.status != 0 && r.stderr.contains("in use by pid \(getpid())"), "\(r.stderr)")
        withExtendedLifetime(held) {}
    }
}

/// Progress lines collected from the sweep's worker threads.
final class Lines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
