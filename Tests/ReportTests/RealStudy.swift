import Foundation
import Report
import Support
import Sweep
import Training

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func temporaryDirectory(_ tag: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-\(tag)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small finished study trained for real (a few seconds on one thread): an IsoFLOP grid of
/// 2 budgets × 4 model sizes (cosine schedules) and a WSD sweep of 3 lengths off one trunk, on
/// text every checkout has (the package's Swift sources). One run's name carries `<script>` and
/// `&` to check that user labels are escaped.
enum RealStudy {
    static let directory: Result<URL, Error> = Result { try build() }
    static let budgets = [2.0e9, 6.0e9]
    static let widths = [8, 12, 16, 24]
    static let hostileName = "d12 <script>alert(1)<script> & co"  // run names may not hold '/'

    static func url() throws -> URL { try directory.get() }

    /// The study's report (with `--svg-dir`), written once and shared by the tests that read it.
    static let report: Result<ReportOutcome, Error> = Result {
        let out = temporaryDirectory("report-out")
        return try StudyReport.write(ReportRequest(input: try url().path, output: out.appendingPathComponent("report.html").path,
                                                   svgDirectory: out.appendingPathComponent("svg").path))
    }

    static func corpus(_ dir: URL) throws -> URL {
        let sources = packageRoot.appendingPathComponent("Sources")
        let files = (FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".swift") }.sorted()
        var text = Data()
        for f in files { text.append(try Data(contentsOf: sources.appendingPathComponent(f))) }
        let url = dir.appendingPathComponent("corpus.txt")
        try text.write(to: url)
        return url
    }

    /// GPT-2 preset parameters with learned positions and tied embeddings (V = 256, T = 32, 2 layers).
    static func parameters(width d: Int) -> Int { 256 * d + 32 * d + 2 * (12 * d * d + 13 * d) + 2 * d }

    static func config(_ text: URL, name: String, width: Int, steps: Int, schedule: String) throws -> RunConfig {
        try RunConfig.parse(yaml: """
            name: "\(name.replacingOccurrences(of: "\"", with: "\\\""))"
            seed: 3
            threads: 1
            model: {preset: gpt2, d_model: \(width), n_layer: 2, n_head: 2, context: 32}
            data: {text: [\(text.path)]}
            training: {batch_size: 8, steps: \(steps), lr: 3.0e-3, eval_interval: 10, eval_batches: 4, log_interval: 5,
                       checkpoint_interval: 100000, schedule: \(schedule)}
            """, source: "report-test.yaml")
    }

    static func build() throws -> URL {
        let root = temporaryDirectory("report-study")
        let text = try corpus(root)
        let runs = root.appendingPathComponent("runs")
        for c in budgets {
            for d in widths {
                let steps = max(4, Int((c / (6 * Double(parameters(width: d)) * 256)).rounded()))
                let id = "c\(Int(c / 1e9))e9-d\(d)"
                let name = d == 12 && c == budgets[0] ? hostileName : id
                _ = try train(config: config(text, name: name, width: d, steps: steps, schedule: "{kind: cosine, warmup_steps: 5}"),
                              runDirectory: runs.appendingPathComponent(id))
            }
        }
        let wsd = try config(text, name: "wsd-d16", width: 16, steps: 100, schedule: "{kind: wsd, warmup_steps: 5, decay_fraction: 0.2, final_lr_ratio: 0}")
        _ = try WSDSweep.run(config: wsd, tokens: [25_600, 51_200, 102_400], directory: runs.appendingPathComponent("wsd"))
        return runs
    }

    /// The same runs in the sweep layout of the sweep contract (results.csv, curves.csv, run
    /// directories), as the sweep engine writes it.
    static func sweepLayout() throws -> URL {
        let runs = try url()
        let sweep = temporaryDirectory("report-sweep").appendingPathComponent("sweep")
        try FileManager.default.copyItem(at: runs, to: sweep)
        let fm = FileManager.default
        var results = ["run_id,name,status,family,d_model,n_layer,n_head,context,vocab_size,n_params_total,n_params_non_embedding,n_params_embedding,tokens,unique_tokens,epochs,tokens_per_param,flops,flops_kaplan,flops_full,budget,budget_convention,lr,batch_size,seed,schedule,corpus,tokenizer,final_val_loss,best_val_loss,final_train_loss,bits_per_byte,unigram_normalized_loss,wall_seconds,host,trunk_id"]
        var curves = ["run_id,step,tokens,lr,train_loss,val_loss"]
        func q(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var dirs: [(String, URL)] = []
        for name in try fm.contentsOfDirectory(atPath: sweep.path).sorted() where name != "wsd" && !name.hasPrefix(".") { dirs.append((name, sweep.appendingPathComponent(name))) }
        // WSD branches become top-level run directories, as the sweep engine lays them out.
        for name in try fm.contentsOfDirectory(atPath: sweep.appendingPathComponent("wsd").path).sorted() where name != "sweep.json" && !name.hasPrefix(".") {
            try fm.moveItem(at: sweep.appendingPathComponent("wsd/\(name)"), to: sweep.appendingPathComponent("wsd-\(name)"))
            dirs.append(("wsd-\(name)", sweep.appendingPathComponent("wsd-\(name)")))
        }
        try fm.removeItem(at: sweep.appendingPathComponent("wsd"))
        for (id, dir) in dirs where id != "wsd-trunk" {
            let s = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as! [String: Any]
            func v(_ k: String) -> String { (s[k] as? NSNumber).map { "\($0.doubleValue)" } ?? "" }
            let budget = id.hasPrefix("c") ? (id.hasPrefix("c2e9") ? "2e9" : "6e9") : ""
            let loss = (s["final_val_loss"] as? Double) ?? .nan
            let row = [id, q(s["name"] as! String), "done", "gpt2", v("d_model"), v("n_layer"), v("n_head"), v("context"), v("vocab_size"),
                       v("n_params_total"), v("n_params_non_embedding"), v("n_params_embedding"), v("tokens"), v("unique_tokens"), v("epochs"), "",
                       v("flops"), v("flops_kaplan"), v("flops_full"), budget, budget.isEmpty ? "" : "6N", "0.003", v("batch_size"), v("seed"),
                       id.hasPrefix("wsd") ? "wsd" : "cosine", "package-sources", "bytes", v("final_val_loss"), v("best_val_loss"), v("final_train_loss"),
                       "\(loss / Foundation.log(2))", "", v("wall_seconds"), "localhost", id.hasPrefix("wsd") ? "wsd-trunk" : ""]
            results.append(row.joined(separator: ","))
            let metrics = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            for line in metrics {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                curves.append(([id] + f[0..<5].map(String.init)).joined(separator: ","))
            }
        }
        try AtomicFile.write(results.joined(separator: "\n") + "\n", to: sweep.appendingPathComponent("results.csv"))
        try AtomicFile.write(curves.joined(separator: "\n") + "\n", to: sweep.appendingPathComponent("curves.csv"))
        return sweep
    }
}
