import Foundation
import Testing

/// `scalelab fit` and `scalelab predict` at the command line: typed --law, --fix/--bound
/// errors, JSON keys, and predict on a damaged fit file.
@Suite(.enabled(if: scalelab != nil, "scalelab executable not built")) struct FitCLITests {
    func studyCSV(_ dir: URL) throws -> String {
        var text = "name,N,D,budget,loss\n"
        var k = 0
        for c in [1e17, 3e17, 1e18, 3e18, 1e19, 3e19] {
            let nOpt = 0.12 * pow(c / 6, 0.46)
            for f in [-1.0, -0.5, 0, 0.5, 1] {
                let n = nOpt * exp(f), d = c / (6 * n)
                let loss = (1.8 + 480 / pow(n, 0.35) + 2100 / pow(d, 0.30)) * exp(0.003 * sin(Double(k) * 2.1))
                text += "r\(k),\(n),\(d),\(c),\(loss)\n"
                k += 1
            }
        }
        let url = dir.appendingPathComponent("runs.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func helpListsTheLawsAndUnknownOnesAreRejected() throws {
        let help = try runScalelab(["fit", "--help"])
        #expect(help.stdout.contains("kaplan-joint") && help.stdout.contains("vocab-derivative") && help.stdout.contains("--fix"))
        let bad = try runScalelab(["fit", "x.csv", "--law", "chinchila"])
        #expect(bad.status != 0 && bad.stderr.contains("chinchilla-isoflop"))
    }

    @Test func fixBoundJSONAndPredict() throws {
        let dir = scratchDirectory()
        let csv = try studyCSV(dir)
        let unknown = try runScalelab(["fit", csv, "--law", "chinchilla", "--fix", "gamma=1"])
        #expect(unknown.status != 0 && unknown.stderr.contains("A, B, E, alpha, beta"))
        let out = dir.appendingPathComponent("fit.json").path
        let r = try runScalelab(["fit", csv, "--law", "chinchilla", "--grid-stride", "15", "--fix", "alpha=beta", "--bound", "E<=2.5",
                                 "--bootstrap", "20", "--rollout-steps", "2", "--json", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let fit = try #require((json["fits"] as? [[String: Any]])?.first)
        for key in ["rollout", "prediction_interval", "diagnostics", "range"] { #expect(fit[key] != nil, "missing \(key)") }
        let params = try #require(fit["params"] as? [String: Double])
        #expect(params["alpha"] == params["beta"])
        let p = try runScalelab(["predict", "--fit", out, "--law", "chinchilla", "--params", "1e10", "--tokens", "2e11"])
        #expect(p.status == 0 && p.stdout.contains("prediction interval") && p.stdout.contains("extrapolating"))
        // A fit file that lost a parameter: a named error, not a crash.
        let damaged = try String(contentsOfFile: out, encoding: .utf8).replacingOccurrences(of: "\"E\" :", with: "\"E_old\" :")
        let bad = dir.appendingPathComponent("bad.json")
        try damaged.write(to: bad, atomically: true, encoding: .utf8)
        let q = try runScalelab(["predict", "--fit", bad.path, "--law", "chinchilla", "--params", "1e10", "--tokens", "2e11"])
        #expect(q.status != 0 && q.stderr.contains("no finite parameter 'E'"))
    }
}
