import Foundation
import Testing

/// `scalelab reproduce` end to end on the shortest lab, as a newcomer runs it: the real sweep,
/// report and headline, then the same command again, which must train nothing and change no result.
@Suite(.enabled(if: scalelab != nil, "scalelab executable not built")) struct ReproduceCLITests {
    @Test func theShortestLabRunsEndToEndAndResumesAsANoOp() throws {
        let runs = scratchDirectory(); defer { try? FileManager.default.removeItem(at: runs) }
        let listed = try runScalelab(["reproduce", "--list"])
        #expect(listed.status == 0 && listed.stdout.contains("01-first-model") && listed.stdout.contains("quickstart"), "\(listed.stdout)\(listed.stderr)")

        let first = try runScalelab(["reproduce", "01", "--json", "--runs-dir", runs.path])
        #expect(first.status == 0, "\(first.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let report = try #require(json["report"] as? String)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("lab01"), "the report draws the run's curves")
        #expect((json["wall_seconds"] as? Double ?? 0) > 0)
        let headline = try #require(json["headline"] as? [String: Any])
        let best = try #require(headline["best_run"] as? [String: Any])
        // Trained, not just run: well below the unigram entropy of Shakespeare's bytes (3.33 nats).
        let loss = try #require(best["final_val_loss"] as? Double)
        #expect(loss < 2.6, "final validation loss \(loss)")
        #expect(first.stderr.contains("about 2 minutes"), "says what it will do and how long it takes first")

        let results = runs.appendingPathComponent("lab01/results.csv")
        let before = try String(contentsOf: results, encoding: .utf8)
        let again = try runScalelab(["reproduce", "01", "--runs-dir", runs.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("best of 1 runs") && again.stdout.contains(report.components(separatedBy: "/").last ?? "report.html"))
        #expect(try String(contentsOf: results, encoding: .utf8) == before, "nothing retrained, nothing changed")
    }
}
