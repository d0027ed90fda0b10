import Foundation
import Testing

/// `scalelab report` end to end: a real run in, HTML and SVG files out; bad input exits non-zero
/// naming what is wrong.
@Suite(.enabled(if: scalelab != nil, "scalelab executable not built")) struct ReportCLITests {
    @Test func reportOfATrainedRun() throws {
        let dir = scratchDirectory()
        let text = dir.appendingPathComponent("t.txt")
        try String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 200).write(to: text, atomically: true, encoding: .utf8)
        try """
            name: r
            threads: 1
            model: {d_model: 16, n_layer: 1, n_head: 2, context: 32}
            data: {text: \(text.path)}
            training: {batch_size: 4, steps: 30, eval_interval: 10, eval_batches: 2, log_interval: 5, checkpoint_interval: 1000}
            """.write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        let train = try runScalelab(["train", "c.yaml", "--out", "runs/r"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let r = try runScalelab(["report", "runs/r", "--out", "site/report.html", "--svg-dir", "site/svg"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote "))
        let html = try String(contentsOf: dir.appendingPathComponent("site/report.html"), encoding: .utf8)
        #expect(html.contains("<svg ") && html.contains("Training loss curves"))
        let svgs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("site/svg").path)
        #expect(svgs.contains("loss-curves.svg") && svgs.contains("lr-schedules.svg"))
    }

    @Test func badInputExitsNonZeroNamingIt() throws {
        let dir = scratchDirectory()
        let missing = try runScalelab(["report", "no-such-dir", "--out", "r.html"], in: dir)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no-such-dir"))
        try "{\"not\": \"a fit\"}".write(to: dir.appendingPathComponent("bogus.json"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("runs"), withIntermediateDirectories: true)
        let bogus = try runScalelab(["report", "runs", "--fit", "bogus.json", "--out", "r.html"], in: dir)
        #expect(bogus.status != 0)
        #expect(bogus.stderr.contains("bogus.json"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.html").path))
    }
}
