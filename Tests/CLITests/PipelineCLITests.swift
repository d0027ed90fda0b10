import Foundation
import Testing

/// The seams between stages, driven as a user drives them: what one command writes, the next reads.
@Suite(.enabled(if: scalelab != nil, "scalelab executable not built")) struct PipelineCLITests {
    /// A token file from `scalelab tokenizer encode` trains as it is (one sidecar schema).
    @Test func tokenizerEncodeOutputTrains() throws {
        let dir = scratchDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("text.txt")
        var body = ""
        for i in 0..<3000 { body += "the \(["quick", "lazy", "brown", "red"][i % 4]) fox \(i % 17) jumps over the dog. " }
        try body.write(to: text, atomically: true, encoding: .utf8)
        let tok = dir.appendingPathComponent("tok")
        let trained = try runScalelab(["tokenizer", "train", "--input", text.path, "--vocab-size", "300", "--out", tok.path])
        #expect(trained.status == 0, "\(trained.stderr)")
        let val = dir.appendingPathComponent("val.txt")
        try String(body.suffix(20_000)).write(to: val, atomically: true, encoding: .utf8)
        let bin = dir.appendingPathComponent("train.bin"), valBin = dir.appendingPathComponent("val.bin")
        for (input, output) in [(text, bin), (val, valBin)] {
            let encoded = try runScalelab(["tokenizer", "encode", "--tokenizer", tok.path, "--input", input.path, "--out", output.path])
            #expect(encoded.status == 0, "\(encoded.stderr)")
        }
        let config = dir.appendingPathComponent("c.yaml")
        try """
            name: from-encode
            threads: 1
            model: {d_model: 16, n_layer: 1, n_head: 2, context: 16, vocab_size: 300}
            data: {train_tokens: \(bin.path), val_tokens: \(valBin.path)}
            training: {batch_size: 4, steps: 6, eval_interval: 3, eval_batches: 1, log_interval: 3}
            """.write(to: config, atomically: true, encoding: .utf8)
        let run = try runScalelab(["train", config.path, "--out", dir.appendingPathComponent("run").path])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run/summary.json"))) as? [String: Any]
        #expect(summary?["status"] as? String == "finished")
        // The validation sidecar knows the text's size, so the run reports bits per byte.
        #expect(summary?["final_val_bits_per_byte"] as? Double != nil)
    }

    /// `scalelab` copied anywhere on its own finds the built-in configs and corpora from any
    /// working directory (no checkout, no SCALELAB_CORPORA).
    @Test func anInstalledBinaryRunsTheShippedConfigFromAnywhere() throws {
        guard let built = scalelab else { return }
        let bin = scratchDirectory(), work = scratchDirectory()
        defer { try? FileManager.default.removeItem(at: bin); try? FileManager.default.removeItem(at: work) }
        let installed = bin.appendingPathComponent("scalelab")
        try FileManager.default.copyItem(at: built, to: installed)
        let p = Process()
        p.executableURL = installed
        p.arguments = ["train", "configs/tiny.yaml", "--set", "training.steps=4", "--set", "training.eval_interval=2",
                       "--set", "training.eval_batches=1", "--set", "training.batch_size=2", "--set", "training.schedule.warmup_steps=1", "--threads", "1", "--out", "run"]
        p.currentDirectoryURL = work
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SCALELAB_CORPORA")
        p.environment = env
        let err = Pipe(); p.standardError = err; p.standardOutput = Pipe()
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: work.appendingPathComponent("run/summary.json"))) as? [String: Any]
        #expect(summary?["status"] as? String == "finished")
        let list = Process()
        list.executableURL = installed; list.arguments = ["corpus", "list"]; list.currentDirectoryURL = work
        let out = Pipe(); list.standardOutput = out; list.standardError = Pipe()
        try list.run()
        let listed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        list.waitUntilExit()
        #expect(listed.contains("shakespeare") && listed.contains("synthetic-zipf"))
    }
}
