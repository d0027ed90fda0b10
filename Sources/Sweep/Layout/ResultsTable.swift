import Foundation
import Support
import Training

/// `results.csv` (one row per run, never a trunk) and `curves.csv` (one row per logged step of
/// every run), as the sweep contract lays them out; rewritten whole and renamed into place.
public enum ResultsTable {
    public static let fixedColumns = [
        "run_id", "name", "status", "family", "d_model", "n_layer", "n_head", "context", "vocab_size",
        "n_params_total", "n_params_non_embedding", "n_params_embedding",
        "tokens", "unique_tokens", "epochs", "tokens_per_param",
        "flops", "flops_kaplan", "flops_full",
        "budget", "budget_convention",
        "lr", "batch_size", "seed", "schedule", "corpus", "tokenizer",
        "final_val_loss", "best_val_loss", "final_train_loss",
        "bits_per_byte", "unigram_normalized_loss",
        "wall_seconds", "host", "trunk_id",
    ]
    /// Columns that differ between two executions of the same runs (excluded when comparing them).
    public static let timingColumns: Set<String> = ["wall_seconds", "host"]

    public static func header(sweptKeys: [String]) -> [String] { fixedColumns + extraColumns(sweptKeys) }

    /// Swept keys get a column of their own unless a fixed column already holds them (`seed`):
    /// a CSV with two columns of one name is ambiguous to every reader.
    static func extraColumns(_ sweptKeys: [String]) -> [String] { sweptKeys.filter { !fixedColumns.contains($0) } }

    public static func row(_ run: PlannedRun, directory: SweepDirectory, sweptKeys: [String]) -> [String] {
        let c = run.config, m = c.model
        let status = directory.status(of: run)
        // A recorded summary is the truth for the counts it has; a run that never started gets
        // the plan's own accounting, so pending rows still say what they will be.
        let s = status == .pending ? nil : directory.summary(run.id)
        let acc = ModelAccountingCache.shared.accounting(m)
        func num(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : ($0.isNaN ? "nan" : ($0 > 0 ? "inf" : "-inf")) } ?? "" }
        func int(_ x: Int?) -> String { x.map(String.init) ?? "" }
        let tokens = s.map(\.tokens) ?? run.tokens
        let d = Double(tokens)
        var corpus: String
        switch c.data.source {
        case let .corpus(name): corpus = name
        case let .text(files): corpus = files.joined(separator: ";")
        case let .tokenFiles(train, _): corpus = train
        }
        if corpus.isEmpty { corpus = "" }
        let unigram: Double? = {
            guard let v = s?.finalValLoss, let h = s?.validationUnigramEntropy else { return nil }
            return v - h
        }()
        var row: [String] = [
            run.id, c.name, status.rawValue, run.family, int(m.dModel), int(m.nLayer), int(m.nHead), int(m.context), int(m.vocabSize),
            int(acc.nParamsTotal), int(acc.nParamsNonEmbedding), int(acc.nParamsEmbedding),
            int(tokens), int(s?.uniqueTokens), num(s?.epochs), num(d / Double(acc.nParamsTotal)),
            num(acc.flopsPerTokenChinchilla * d), num(acc.flopsPerTokenKaplan * d), num(acc.flopsPerTokenFull * d),
            num(run.budget), run.budgetConvention ?? "",
            num(c.training.lr), int(c.training.batchSize), String(c.seed), c.training.schedule.kind.rawValue, corpus, c.data.tokenizer.description,
            num(s?.finalValLoss), num(s?.bestValLoss), num(s?.finalTrainLoss),
            num(s?.finalValBitsPerByte), num(unigram),
            num(s?.wallSeconds), directory.host(run.id) ?? "", run.trunk ?? "",
        ]
        row += extraColumns(sweptKeys).map { run.swept[$0] ?? "" }
        return row
    }

    public static func write(plan: SweepDirectory.PlanFile, directory: SweepDirectory) throws {
        var out = CSV.line(header(sweptKeys: plan.sweptKeys))
        for run in plan.runs where run.role == .run {
            out += CSV.line(row(run, directory: directory, sweptKeys: plan.sweptKeys))
        }
        try AtomicFile.write(out, to: directory.resultsURL)
    }

    /// Long format from each run's metrics.csv (a branch's holds the trunk's steps before its own).
    public static func writeCurves(plan: SweepDirectory.PlanFile, directory: SweepDirectory) throws {
        var out = "run_id,step,tokens,lr,train_loss,val_loss\n"
        for run in plan.runs where run.role == .run {
            let url = directory.runDirectory(run.id).appendingPathComponent("metrics.csv")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
            guard let head = lines.popFirst() else { continue }
            let names = head.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let wanted = ["step", "tokens", "lr", "train_loss", "val_loss"].map { names.firstIndex(of: $0) }
            for line in lines {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                out += run.id
                for index in wanted {
                    out += ","
                    if let index, index < cells.count { out += cells[index] }
                }
                out += "\n"
            }
        }
        try AtomicFile.write(out, to: directory.curvesURL)
    }
}

/// RFC 4180: a cell holding a comma, quote or line break is quoted, its quotes doubled.
enum CSV {
    static func cell(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    static func line(_ cells: [String]) -> String { cells.map(cell).joined(separator: ",") + "\n" }

    /// Parses RFC 4180 text into rows of cells.
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = ""
        var quoted = false, i = text.startIndex
        while i < text.endIndex {
            let ch = text[i]
            if quoted {
                if ch == "\"" {
                    let next = text.index(after: i)
                    if next < text.endIndex, text[next] == "\"" { cell.append("\""); i = next } else { quoted = false }
                } else { cell.append(ch) }
            } else if ch == "\"" { quoted = true }
            else if ch == "," { row.append(cell); cell = "" }
            else if ch == "\n" { row.append(cell); rows.append(row); row = []; cell = "" }
            else if ch != "\r" { cell.append(ch) }
            i = text.index(after: i)
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
        return rows
    }
}
