import Foundation
import Model
import Shards
import Support
import Sweep
import Testing
import Training

/// A small, fast run on real text; `extra` is appended to the training mapping.
func resumableConfig(text: URL, steps: Int, schedule: String = "{kind: cosine, warmup_steps: 3}", extra: String = "") throws -> RunConfig {
    try RunConfig.parse(yaml: """
        name: ckpt
        seed: 11
        threads: 2
        model: {preset: llama, d_model: 32, n_layer: 1, n_head: 2, context: 32}
        data: {text: \(text.path)}
        training: {batch_size: 4, steps: \(steps), lr: 3.0e-3, eval_interval: 6, eval_batches: 2, log_interval: 2,
                   checkpoint_interval: 4, keep_checkpoints: 2, schedule: \(schedule)\(extra)}
        """, source: "ckpt.yaml")
}

/// metrics.csv without its seconds column.
func metricsWithoutSeconds(_ dir: URL) throws -> [String] {
    try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)
        .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
}

@Suite(.serialized) struct CheckpointTests {
    @Test func safetensorsRoundTripAndHashCatchesCorruption() throws {
        let a: [Float] = [1, -2, 3.5, 0, 1e-30, 7], b: [Float] = [42]
        let data = try a.withUnsafeBufferPointer { pa in
            try b.withUnsafeBufferPointer { pb in
                try Safetensors.encode([.init(name: "a", shape: [2, 3], data: pa), .init(name: "b", shape: [1], data: pb)],
                                       metadata: ["note": "line\n\"quoted\""], hashed: true)
            }
        }
        let n = data.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(n % 8 == 0 && data.count == 8 + n + 7 * 4)
        let file = try Safetensors.decode(data, source: "x", requireHash: true)
        #expect(file.floats("a") == a && file.floats("b") == b && file.metadata["note"] == "line\n\"quoted\"")
        #expect(file.tensors["a"]?.shape == [2, 3])
        // Flip one bit of the data: the hash no longer matches.
        var bad = data
        bad[bad.count - 3] ^= 0x10
        #expect(throws: ScaleLabError.self) { try Safetensors.decode(bad, source: "x", requireHash: true) }
        #expect(throws: ScaleLabError.self) { try Safetensors.decode(data.prefix(data.count - 4), source: "x", requireHash: true) }
        #expect(throws: ScaleLabError.self) { try Safetensors.decode(data.prefix(5), source: "x", requireHash: true) }
    }

    @Test func fnv1aMatchesPublishedVectors() {
        func hash(_ s: String) -> String { var h = FNV1a64(); Data(s.utf8).withUnsafeBytes { h.update($0) }; return h.hex }
        #expect(hash("") == "cbf29ce484222325")
        #expect(hash("a") == "af63dc4c8601ec8c")
        #expect(hash("foobar") == "85944171f73967e8")
    }

    /// Stop after step k, resume, and compare with an uninterrupted run: same bytes apart from
    /// seconds, under either sampling (mid-epoch for `epochs`).
    @Test(arguments: [(1, "epochs"), (5, "random"), (8, "epochs"), (13, "random")])
    func resumeIsExact(stopAfter: Int, sampling: String) throws {
        let text = try realText()
        var config = try resumableConfig(text: text, steps: 16)
        config.data.sampling = try #require(BatchOrder(rawValue: sampling))
        let whole = temporaryDirectory("whole"), split = temporaryDirectory("split")
        _ = try train(config: config, runDirectory: whole)
        let first = try train(config: config, runDirectory: split, options: TrainingOptions(stopAfterStep: stopAfter))
        #expect(first.status == .stopped && first.steps == stopAfter)
        var resumedFrom: Int?
        let second = try train(config: config, runDirectory: split) { if case let .resumed(step, _) = $0 { resumedFrom = step } }
        #expect(resumedFrom == stopAfter)
        #expect(second.status == .finished)
        #expect(try metricsWithoutSeconds(split) == metricsWithoutSeconds(whole))
        #expect(second.finalValLoss == (try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: whole.appendingPathComponent("summary.json")))).finalValLoss)
        // The final parameters agree bit for bit too.
        let store = CheckpointStore(runDirectory: split), other = CheckpointStore(runDirectory: whole)
        let a = try Checkpoint.read(store.url(step: 16)).loadModel(threads: 1)
        let b = try Checkpoint.read(other.url(step: 16)).loadModel(threads: 1)
        #expect(Array(a.params) == Array(b.params))
    }

    @Test func keepsTheLastKCheckpointsAndSkipsACorruptOne() throws {
        let text = try realText()
        let config = try resumableConfig(text: text, steps: 14)
        let whole = temporaryDirectory("whole"), dir = temporaryDirectory("corrupt")
        _ = try train(config: config, runDirectory: whole)
        _ = try train(config: config, runDirectory: dir, options: TrainingOptions(stopAfterStep: 12))
        let store = CheckpointStore(runDirectory: dir)
        #expect(store.steps() == [8, 12], "keep_checkpoints: 2 (interval 4)")
        // Truncate the newest: resuming warns, falls back to step 8, and still reproduces the run.
        let newest = store.url(step: 12)
        let bytes = try Data(contentsOf: newest)
        try bytes.prefix(bytes.count / 2).write(to: newest)
        // A temporary file left by a process killed in the middle of a write is cleaned up.
        let killed = Process()
        killed.executableURL = URL(fileURLWithPath: "/bin/sh"); killed.arguments = ["-c", "exit 0"]
        try killed.run(); killed.waitUntilExit()
        try Data(repeating: 7, count: 100).write(to: store.directory.appendingPathComponent(".step-00000016.safetensors.tmp-\(killed.processIdentifier)-2"))
        var warnings: [String] = [], resumedFrom: Int?
        _ = try train(config: config, runDirectory: dir) {
            if case let .warning(w) = $0 { warnings.append(w) }
            if case let .resumed(step, _) = $0 { resumedFrom = step }
        }
        #expect(warnings.count == 1 && warnings[0].contains("step-00000012") && warnings[0].contains("truncated"))
        #expect(resumedFrom == 8)
        #expect(try metricsWithoutSeconds(dir) == metricsWithoutSeconds(whole))
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: store.directory.path)).contains { $0.contains(".tmp-") })
    }

    @Test func checkpointHoldsParametersMomentsAndState() throws {
        let text = try realText()
        let config = try resumableConfig(text: text, steps: 4)
        let dir = temporaryDirectory("contents")
        _ = try train(config: config, runDirectory: dir)
        let c = try Checkpoint.read(CheckpointStore(runDirectory: dir).url(step: 4))
        #expect(c.config == config && c.state.step == 4 && c.state.optimizerStep == 4)
        let layout = ParameterLayout(config.model)
        for t in layout.tensors {
            for prefix in ["params", "adam_m", "adam_v"] { #expect(c.file.tensors["\(prefix).\(t.name)"]?.shape == t.shape) }
        }
        #expect(c.state.metricsCSV == (try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)))
        #expect(c.file.floats("adam_v.layers.0.attn.qkv.weight")!.contains { $0 > 0 }, "second moments are saved")
    }

    @Test func aDifferentConfigIsRefusedNamingTheKey() throws {
        let text = try realText()
        let config = try resumableConfig(text: text, steps: 8)
        let dir = temporaryDirectory("differ")
        _ = try train(config: config, runDirectory: dir, options: TrainingOptions(stopAfterStep: 6))
        let before = try Data(contentsOf: dir.appendingPathComponent("metrics.csv"))
        var other = config; other.model.dModel = 64
        #expect { try train(config: other, runDirectory: dir) } throws: { "\($0)".contains("different model config") && "\($0)".contains("model.d_model") }
        var lr = config; lr.training.lr = 1e-3
        #expect { try train(config: lr, runDirectory: dir) } throws: { "\($0)".contains("training.lr") }
        // Cosine depends on the length: extending it would change steps already taken.
        var longer = config; longer.training.steps = 20
        #expect { try train(config: longer, runDirectory: dir) } throws: { "\($0)".contains("changes the learning rate") }
        #expect(try Data(contentsOf: dir.appendingPathComponent("metrics.csv")) == before, "nothing overwritten")
        // Starting over is explicit.
        let s = try train(config: other, runDirectory: dir, options: TrainingOptions(startOver: true))
        #expect(s.status == .finished)
    }

    /// Each branch of a WSD sweep reproduces a fresh WSD run of its length bit for bit.
    @Test func wsdBranchesEqualFreshRuns() throws {
        let text = try realText()
        let schedule = "{kind: wsd, warmup_steps: 3, decay_fraction: 0.25, decay_shape: 1-sqrt, final_lr_ratio: 0.0}"
        let base = try resumableConfig(text: text, steps: 20, schedule: schedule)
        let tps = base.tokensPerStep
        let sweepDir = temporaryDirectory("sweep")
        let result = try WSDSweep.run(config: base, tokens: [12 * tps, 20 * tps], directory: sweepDir)
        #expect(result.branches.map(\.branchedAtStep) == [9, 15])
        for (steps, branch) in zip([12, 20], result.branches) {
            var fresh = base; fresh.training.steps = steps
            let freshDir = temporaryDirectory("fresh")
            let s = try train(config: fresh, runDirectory: freshDir)
            let branchDir = URL(fileURLWithPath: branch.directory)
            #expect(try metricsWithoutSeconds(branchDir) == metricsWithoutSeconds(freshDir), "branch of \(steps) steps")
            #expect(branch.finalValLoss == s.finalValLoss)
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: branchDir.appendingPathComponent("summary.json"))) as! [String: Any]
            #expect(summary["tokens"] as? Int == steps * tps)
            let info = try #require(summary["branch"] as? [String: Any])
            #expect(info["cooldown_tokens"] as? Int == (steps - branch.branchedAtStep) * tps)
            #expect(info["fresh_run_flops"] as? Double == s.flops)
        }
        // Cost: trunk to step 15, cooldowns of 3 and 5 steps = 23 steps against 32 fresh.
        #expect(abs(result.sweepFlops / result.longestRunFlops - 23.0 / 20) < 1e-12)
        #expect(abs(result.savingFactor - 32.0 / 23) < 1e-12)
        #expect(result.costRelativeToLongest <= result.bound)
        #expect(FileManager.default.fileExists(atPath: sweepDir.appendingPathComponent("sweep.json").path))
    }

    @Test func branchPointBeyondTheTrunkIsRefused() throws {
        let text = try realText()
        let base = try resumableConfig(text: text, steps: 8, schedule: "{kind: wsd, warmup_steps: 2, decay_fraction: 0.25}")
        let tps = base.tokensPerStep
        let sweepDir = temporaryDirectory("short")
        _ = try WSDSweep.run(config: base, tokens: [8 * tps], directory: sweepDir)
        let trunk = sweepDir.appendingPathComponent("trunk")
        #expect { try WSDSweep.trainBranch(base: base, tokens: 40 * tps, trunkDirectory: trunk, directory: temporaryDirectory("b")) }
            throws: { "\($0)".contains("beyond the trunk") }
        #expect(throws: ScaleLabError.self) { try WSDSweep.run(config: base, tokens: [8 * tps + 1], directory: temporaryDirectory("x")) }
        var cosine = base; cosine.training.schedule.kind = .cosine
        #expect { try WSDSweep.run(config: cosine, tokens: [8 * tps], directory: temporaryDirectory("y")) } throws: { "\($0)".contains("wsd or power") }
    }
}
