import Foundation
import Testing

/// The `scalelab` executable built beside the test bundle.
let scalelab: URL? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("scalelab")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}()

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct ScaleLabTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct RunResult { let status: Int32; let stdout: String; let stderr: String }

/// Runs scalelab with `arguments` in `directory` and collects its output.
func runScalelab(_ arguments: [String], in directory: URL? = nil) throws -> RunResult {
    let p = Process()
    guard let executable = scalelab else {
        throw ScaleLabTestError("the scalelab executable must be built (swift build) before the CLI tests")
    }
    p.executableURL = executable
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

func scratchDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-cli-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite(.enabled(if: scalelab != nil, "scalelab executable not built")) struct TrainCLITests {
    func writeConfig(_ body: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent("c.yaml")
        try body.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func validConfig(_ dir: URL) throws -> String {
        let text = dir.appendingPathComponent("t.txt")
        try String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 200).write(to: text, atomically: true, encoding: .utf8)
        return try writeConfig("""
            name: cli
            threads: 2
            model: {d_model: 32, n_layer: 1, n_head: 2, context: 32}
            data: {text: \(text.path)}
            training: {batch_size: 4, steps: 6, eval_interval: 3, eval_batches: 2, log_interval: 2, schedule: {warmup_steps: 1}}
            """, in: dir)
    }

    @Test func trainWritesTheRunDirectoryAndSaysWhere() throws {
        let dir = scratchDirectory()
        let r = try runScalelab(["train", try validConfig(dir), "--out", dir.appendingPathComponent("run").path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("results: \(dir.appendingPathComponent("run").path)"))
        #expect(r.stderr.contains("non-embedding (Kaplan's N)"), "the parameter accounting is printed with its convention")
        for f in ["config.yaml", "metrics.csv", "summary.json"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/\(f)").path))
        }
        // A different config into the same directory is refused without --force, naming the key,
        // and nothing is overwritten.
        let before = try Data(contentsOf: dir.appendingPathComponent("run/summary.json"))
        let again = try runScalelab(["train", try validConfig(dir), "--set", "training.lr=0.01", "--out", dir.appendingPathComponent("run").path])
        #expect(again.status != 0 && again.stderr.contains("--force") && again.stderr.contains("training.lr"), "stderr: \(again.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("run/summary.json")) == before)
        let other = try runScalelab(["train", try validConfig(dir), "--set", "model.d_model=64", "--out", dir.appendingPathComponent("run").path])
        #expect(other.status != 0 && other.stderr.contains("different model config"), "stderr: \(other.stderr)")
        // --force starts over.
        let forced = try runScalelab(["train", try validConfig(dir), "--set", "model.d_model=64", "--force", "--out", dir.appendingPathComponent("run").path])
        #expect(forced.status == 0, "stderr: \(forced.stderr)")
    }

    @Test func setOverridesAndUnknownKeysAreReported() throws {
        let dir = scratchDirectory()
        let config = try validConfig(dir)
        let bad = try runScalelab(["train", config, "--set", "model.n_layr=2", "--out", dir.appendingPathComponent("x").path])
        #expect(bad.status != 0)
        // Blamed on the flag that set it, not on the file, which does not mention the key.
        #expect(bad.stderr.contains("--set model.n_layr=2") && !bad.stderr.contains(config), "stderr: \(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path), "nothing is written on bad input")
    }

    @Test(arguments: [
        ("n_head: 2", "n_head: 3", "model.d_model"),
        ("n_head: 2", "n_head: two", "model.n_head"),
        ("steps: 6", "steps: 6, bogus: 1", "training.bogus"),
    ])
    func badConfigsExitNonZeroNamingTheKey(edit: (String, String, String)) throws {
        let dir = scratchDirectory()
        let good = try String(contentsOfFile: try validConfig(dir), encoding: .utf8)
        let path = try writeConfig(good.replacingOccurrences(of: edit.0, with: edit.1), in: dir)
        let r = try runScalelab(["train", path, "--out", dir.appendingPathComponent("x").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains(edit.2), "stderr: \(r.stderr)")
    }

    @Test func missingDataFileIsNamed() throws {
        let dir = scratchDirectory()
        let path = try writeConfig("""
            name: m
            model: {d_model: 32, n_layer: 1, n_head: 2, context: 32}
            data: {text: /no/such/file.txt}
            training: {steps: 5}
            """, in: dir)
        let r = try runScalelab(["train", path, "--out", dir.appendingPathComponent("x").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("/no/such/file.txt"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path), "nothing is written on bad input")
    }

    @Test func divergedRunExitsThree() throws {
        let dir = scratchDirectory()
        let r = try runScalelab(["train", try validConfig(dir), "--set", "training.lr=1e30", "--set", "training.grad_clip=0",
                                 "--out", dir.appendingPathComponent("d").path])
        #expect(r.status == 3, "stderr: \(r.stderr)")
        let summary = try String(contentsOf: dir.appendingPathComponent("d/summary.json"), encoding: .utf8)
        #expect(summary.contains("diverged"))
    }
}

@Suite(.enabled(if: scalelab != nil, "scalelab executable not built")) struct BenchCLITests {
    @Test func jsonHasTheDocumentedKeys() throws {
        let r = try runScalelab(["bench", "--preset", "tiny", "--seconds", "0.05", "--threads", "1", "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ceiling = try #require(obj["sgemm_gflops"] as? Double)
        #expect(ceiling > 0)
        let presets = try #require(obj["presets"] as? [[String: Any]])
        #expect(presets.count == 1 && presets[0]["name"] as? String == "tiny")
        for key in ["tokens_per_s", "model_gflops", "mfu"] { #expect((presets[0][key] as? Double ?? 0) > 0, "\(key)") }
        let mfu = presets[0]["mfu"] as! Double, gflops = presets[0]["model_gflops"] as! Double
        #expect(abs(mfu - gflops / ceiling) < 1e-9, "MFU is model FLOP/s over the same run's sgemm FLOP/s")
    }

    @Test func unknownPresetIsRejected() throws {
        let r = try runScalelab(["bench", "--preset", "huge"])
        #expect(r.status != 0 && r.stderr.contains("huge"))
    }
}

/// Unclear errors and exit statuses: every refusal names what is at fault in plain words, with the
/// README's exit status, and never echoes control characters from a file.
@Suite(.enabled(if: scalelab != nil, "scalelab executable not built")) struct ErrorStyleCLITests {
    @Test func binaryGarbageInAConfigIsEscapedNotEchoed() throws {
        let dir = scratchDirectory()
        let path = dir.appendingPathComponent("bad.yaml")
        try Data("name: x\nmodel: \u{1b}[2J\u{1b}]0;owned\u{07}\u{9b}31m\n".utf8).write(to: path)
        let r = try runScalelab(["train", path.path, "--out", dir.appendingPathComponent("x").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(path.path))
        #expect(!r.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("\\u{1b}"))
    }

    @Test func negativeNumbersAfterOptionsGetARangeErrorNotMissingValue() throws {
        let dir = scratchDirectory()
        let path = dir.appendingPathComponent("c.yaml")
        try "name: x\nmodel: {d_model: 8, n_layer: 1, n_head: 2, context: 8}\ndata: {text: /nonexistent}\n".write(to: path, atomically: true, encoding: .utf8)
        let r = try runScalelab(["train", path.path, "--threads", "-1"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--threads must be ≥ 0") && !r.stderr.contains("Missing value"), "stderr: \(r.stderr)")
    }

    @Test func fileSystemErrorsAreInPlainWords() throws {
        let dir = scratchDirectory()
        let blocker = dir.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let config = dir.appendingPathComponent("c.yaml")
        let text = dir.appendingPathComponent("t.txt")
        try String(repeating: "the quick brown fox. ", count: 100).write(to: text, atomically: true, encoding: .utf8)
        try "name: x\nmodel: {d_model: 8, n_layer: 1, n_head: 2, context: 8}\ndata: {text: \(text.path)}\ntraining: {steps: 2}\n".write(to: config, atomically: true, encoding: .utf8)
        // The run directory would have to be created inside a regular file.
        let r = try runScalelab(["train", config.path, "--out", blocker.appendingPathComponent("run").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(blocker.path) && !r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("Code="), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("not a directory") || r.stderr.contains("already exists"), "stderr: \(r.stderr)")
    }
}
