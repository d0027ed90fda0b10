import Foundation
import Model
import Support
import Training

/// Time and memory of a plan before anything runs: per run and in total, with flags.
public struct PlanEstimate: Sendable {
    public struct Row: Sendable {
        public var run: PlannedRun
        public var nTotal: Int, nNonEmbedding: Int, nEmbedding: Int
        public var flops: Double
        public var epochs: Double?
        public var peakBytes: Int
        public var seconds: Double
        public var flags: [String]
    }
    public var rows: [Row]
    public var schedule: Schedule
    /// Σ fresh-run FLOPs of the branches vs what trunks + cooldowns cost.
    public var freshFlops: Double
    public var plannedFlops: Double
    /// Data that could not be loaded (the runs would fail): shown under the table.
    public var problems: [String]
}

/// How the local executor runs a sweep: `jobs` runs at once, `threads` each.
public struct Schedule: Sendable, Equatable, CustomStringConvertible {
    public var jobs: Int
    public var threads: Int
    /// Predicted wall time of the whole plan under this schedule.
    public var seconds: Double
    public init(jobs: Int, threads: Int, seconds: Double) { self.jobs = jobs; self.threads = threads; self.seconds = seconds }
    public var description: String { "\(jobs) at a time × \(threads) thread\(threads == 1 ? "" : "s")" }
}

public enum Estimator {
    /// Estimated seconds of one run's own steps (and its evaluations) at `secondsPerStep`.
    static func seconds(_ run: PlannedRun, secondsPerStep s: Double) -> Double {
        let t = run.config.training
        let evals = Double(run.ownSteps / max(t.evalInterval, 1) + 1)
        return Double(run.ownSteps) * s + evals * Double(t.evalBatches) * s / Double(3 * max(t.gradAccum, 1))
    }

    /// The wall time of running `durations` on `lanes` lanes, longest first (the order the local
    /// executor takes them in).
    static func makespan(_ durations: [Double], lanes: Int) -> Double {
        var lane = [Double](repeating: 0, count: max(lanes, 1))
        for d in durations.sorted(by: >) {
            let i = lane.indices.min { lane[$0] < lane[$1] }!
            lane[i] += d
        }
        return lane.max() ?? 0
    }

    /// Picks jobs × threads from measurement: all cores on one run at a time, one core per run
    /// side by side (measured with the neighbours running), and halves in between on bigger machines.
    public static func chooseSchedule(_ runs: [PlannedRun], throughput: Throughput,
                                      cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Schedule {
        let cores = max(cores, 1)
        var options: [(jobs: Int, threads: Int)] = [(1, cores)]
        if cores > 1 { options.append((cores, 1)) }
        if cores >= 4 { options.append((cores / 2, 2)) }
        let lanesFor = { (o: (jobs: Int, threads: Int)) in o.threads == 1 ? min(o.jobs, runs.count) : 1 }
        var seen = Set<String>()
        for r in runs where seen.insert(Throughput.shapeKey(r.config.model, batch: r.config.training.batchSize,
                                                              gradAccum: r.config.training.gradAccum)).inserted {
            throughput.measure(r.config, modes: options.map { (threads: $0.threads, lanes: lanesFor($0)) })
        }
        var best: Schedule?
        for o in options {
            let durations = runs.map { r -> Double in
                seconds(r, secondsPerStep: throughput.secondsPerStep(r.config, threads: o.threads, lanes: lanesFor(o)))
            }
            let s = Schedule(jobs: o.jobs, threads: o.threads, seconds: makespan(durations, lanes: o.jobs))
            if best == nil || s.seconds < best!.seconds { best = s }
        }
        return best!
    }

    /// Train tokens available to a run's data, when they can be known without tokenizing:
    /// text is bytes; token files are 2 or 4 bytes a token; a corpus is counted by loading it
    /// (prepared and tokenized once, then cached).
    static func trainTokens(_ c: RunConfig, cache: inout [String: Int?], problems: inout [String]) -> Int? {
        if let u = c.data.uniqueTokens {
            var whole = c
            whole.data.uniqueTokens = nil
            guard let all = trainTokens(whole, cache: &cache, problems: &problems) else { return nil }
            if u > all - 1 { problems.append("\(c.name): data.unique_tokens \(u) exceeds the \(all - 1) training tokens of its data") }
            return min(u, all - 1)
        }
        let key = "\(c.data.corpus ?? "")|\(c.data.tokenizer)|\(c.data.text ?? [])|\(c.data.trainTokens ?? "")|\(c.data.valTokens ?? "")|\(c.data.valFraction)|\(c.model.vocabSize)"
        if let known = cache[key] { return known }
        func size(_ p: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0 }
        let value: Int?
        switch c.data.source {
        case let .text(files):
            let total = files.reduce(0) { $0 + size($1) }
            value = total - Int((Double(total) * c.data.valFraction).rounded())
        case let .tokenFiles(train, val):
            let n = size(train) / (c.model.vocabSize > 65536 ? 4 : 2)
            value = val == nil ? n - Int((Double(n) * c.data.valFraction).rounded()) : n
        case .corpus:
            do {
                value = try RunData.load(c.data, vocabSize: c.model.vocabSize, context: c.model.context, threads: c.resolvedThreads).train.count
            } catch {
                value = nil
                problems.append("the data of \(c.name) cannot be loaded: \(error)")
            }
        }
        cache[key] = value
        return value
    }

    public static func estimate(_ plan: SweepPlan, throughput: Throughput, schedule given: Schedule? = nil) throws -> PlanEstimate {
        let schedule = given ?? chooseSchedule(plan.runs, throughput: throughput)
        let machine = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        var corpus: [String: Int?] = [:]
        var problems: [String] = []
        var rows: [PlanEstimate.Row] = []
        var fresh = 0.0, planned = 0.0
        for run in plan.runs {
            let c = run.config
            let acc = ModelAccountingCache.shared.accounting(c.model)
            let d = Double(run.tokens)
            let mem = try MemoryEstimate.training(config: c.model, batchSize: c.training.batchSize, threads: schedule.threads)
            var flags: [String] = []
            if mem.totalBytes > machine { flags.append("MEMORY>machine") }
            let available = trainTokens(c, cache: &corpus, problems: &problems)
            if available == nil { flags.append("DATA?") }
            let epochs = available.map { d / Double(max($0, 1)) }
            if let epochs, epochs > 1, c.data.sampling != .epochs { flags.append("D>corpus(sampling \(c.data.sampling.rawValue))") }
            let lanes = schedule.threads == 1 ? min(schedule.jobs, plan.runs.count) : 1
            let s = seconds(run, secondsPerStep: throughput.secondsPerStep(c, threads: schedule.threads, lanes: lanes))
            let ownFlops = acc.flopsPerTokenChinchilla * Double(run.ownSteps * c.tokensPerStep)
            planned += ownFlops
            if run.role == .run { fresh += acc.flopsPerTokenChinchilla * d }
            rows.append(.init(run: run, nTotal: acc.nParamsTotal, nNonEmbedding: acc.nParamsNonEmbedding, nEmbedding: acc.nParamsEmbedding,
                              flops: run.role == .run ? acc.flopsPerTokenChinchilla * d : ownFlops, epochs: epochs,
                              peakBytes: mem.totalBytes, seconds: s, flags: flags))
        }
        throughput.save()
        var s = schedule
        s.seconds = makespan(rows.map(\.seconds), lanes: schedule.jobs)
        return PlanEstimate(rows: rows, schedule: s, freshFlops: fresh, plannedFlops: planned, problems: problems)
    }

    /// The dry-run table.
    public static func table(_ plan: SweepPlan, _ e: PlanEstimate) -> String {
        func mib(_ b: Int) -> String { String(format: "%.0fM", Double(b) / 1_048_576) }
        func dur(_ s: Double) -> String {
            s < 90 ? String(format: "%.0fs", s) : s < 5400 ? String(format: "%.1fm", s / 60) : String(format: "%.1fh", s / 3600)
        }
        var out = "sweep \(plan.name): \(plan.rows.count) runs"
        let trunks = plan.runs.filter { $0.role == .trunk }.count, tunes = plan.runs.filter { $0.role == .lrTune }.count
        if trunks > 0 { out += ", \(trunks) WSD trunks" }
        if tunes > 0 { out += ", \(tunes) learning-rate search runs" }
        if !plan.deferred.isEmpty { out += ", \(plan.deferred.count) runs waiting for their size's learning rate" }
        out += "\n"
        // Swept values the other columns do not show (a schedule, a seed, unique tokens).
        let shown: Set<String> = ["model.d_model", "model.n_layer", "model.n_head", "model.vocab_size", "training.steps", "training.lr"]
        let gridKeys = plan.sweptKeys.filter { !shown.contains($0) }
        func gridCell(_ c: RunConfig) -> [String] {
            guard !gridKeys.isEmpty else { return [] }
            let values = ConfigValues.values(c, keys: gridKeys)
            return [gridKeys.map { "\($0.split(separator: ".").last.map(String.init) ?? $0)=\(values[$0] ?? "")" }.joined(separator: " ")]
        }
        let header = ["run id", "role", "shape", "N total", "N non-emb", "N emb", "V", "D (steps)", "tok/N", "FLOPs 6ND",
                      "budget", "lr", "epochs", "peak mem", "est time", "flags"] + (gridKeys.isEmpty ? [] : ["grid"])
        var lines = [header]
        for r in e.rows {
            let run = r.run
            let role = run.role == .trunk ? "trunk" : run.role == .lrTune ? "lr-tune" : run.trunk == nil ? "run" : "branch"
            let dText = run.role == .trunk ? "\(run.ownSteps * run.config.tokensPerStep) (\(run.ownSteps))"
                                           : "\(run.tokens) (\(run.config.training.steps))"
                + (run.requestedTokens.map { Int($0.rounded()) != run.tokens ? " ←\(Int($0.rounded()))" : "" } ?? "")
            lines.append([run.id, role, run.family, "\(r.nTotal)", "\(r.nNonEmbedding)", "\(r.nEmbedding)", "\(run.config.model.vocabSize)",
                          dText, String(format: "%.1f", Double(run.tokens) / Double(max(r.nTotal, 1))), sci(r.flops),
                          run.budget.map(sci) ?? "", short(run.config.training.lr), r.epochs.map { String(format: "%.2f", $0) } ?? "?",
                          mib(r.peakBytes), dur(r.seconds), r.flags.joined(separator: " ")] + gridCell(run.config))
        }
        for d in plan.deferred {
            lines.append(["(tuned)", "run", d.family, "", "", "", "\(d.config.model.vocabSize)",
                          "\(d.config.training.steps * d.config.tokensPerStep) (\(d.config.training.steps))", "", "",
                          d.budget.map(sci) ?? "", "search", "", "", "", ""] + gridCell(d.config))
        }
        let widths = header.indices.map { i in lines.map { $0[i].count }.max() ?? 0 }
        for l in lines {
            out += l.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        let total = e.rows.reduce(0) { $0 + $1.seconds }
        out += String(format: "total: %.3g FLOPs to train (6·N·D of every step taken); ", e.plannedFlops)
        if plan.runs.contains(where: { $0.role == .trunk }) {
            out += String(format: "training each run from scratch would cost %.3g (WSD branching saves %.0f%%); ",
                          e.freshFlops, 100 * (1 - e.plannedFlops / max(e.freshFlops, 1)))
        }
        out += "estimated \(dur(total)) of run time, \(dur(e.schedule.seconds)) wall on this machine at \(e.schedule)\n"
        let flagged = e.rows.filter { !$0.flags.isEmpty }.count
        if flagged > 0 { out += "\(flagged) run(s) flagged: MEMORY>machine = peak memory above this machine's; D>corpus = repeats data without epochs sampling\n" }
        for n in plan.notes { out += "note: \(n)\n" }
        for p in e.problems { out += "problem: \(p)\n" }
        return out
    }
}
