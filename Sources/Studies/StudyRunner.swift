import Corpora
import Fitting
import Foundation
import Report
import Support
import Sweep
import Training

/// `scalelab reproduce`: one study end to end — the sweep (resumable: run it again after a kill
/// and it continues), the study's fits written to `fit.json`, the HTML report, and the headline.
public enum StudyRunner {
    public struct Options: Sendable {
        public var runsDirectory: URL
        public var jobs: Int?
        public var threads: Int?
        public var retryFailed: Bool
        public init(runsDirectory: URL, jobs: Int? = nil, threads: Int? = nil, retryFailed: Bool = false) {
            self.runsDirectory = runsDirectory; self.jobs = jobs; self.threads = threads; self.retryFailed = retryFailed
        }
    }

    public struct Outcome: Sendable {
        public var directory: URL
        public var report: String
        public var fitFile: String?
        public var fit: FitReport?
        public var headline: Headline
        public var sweepSeconds: Double
        public var wallSeconds: Double
        public var failedRuns: Int
    }

    /// The laws a study names, checked against the fitting stage's list.
    public static func laws(_ s: StudySettings) throws -> [LawName] {
        try zip(s.laws, s.lawLocations).enumerated().map { i, pair in
            guard let law = LawName(rawValue: pair.0) else {
                let names = LawName.allCases.map(\.rawValue)
                let hint = Suggestion.nearest(to: pair.0, in: names).map { " (did you mean '\($0)'?)" } ?? ""
                throw ScaleLabError.config(file: pair.1, key: "study.laws[\(i)]", reason: "unknown law '\(pair.0)'\(hint); laws: \(names.joined(separator: ", "))")
            }
            return law
        }
    }

    public static func run(_ entry: StudyCatalog.Entry, options: Options, progress: SweepProgress = SweepProgress(),
                           say: (String) -> Void) throws -> Outcome {
        let clock = ContinuousClock(), start = clock.now
        let laws = try laws(entry.settings)
        let directory = SweepDirectory(options.runsDirectory.appendingPathComponent(entry.sweep.name))
        let sweep = try LocalExecutor.run(entry.sweep, directory: directory,
                                          options: .init(jobs: options.jobs, threads: options.threads, retryFailed: options.retryFailed), progress: progress)
        let failed = (sweep.counts[.failed] ?? 0) + (sweep.counts[.diverged] ?? 0)
        say(String(format: "sweep done in %.1f min", sweep.wallSeconds / 60))

        var fit: FitReport?
        var fitURL: URL?
        var failedLaws: [String: String] = [:]
        var annealing: AnnealingCheck?
        if !laws.isEmpty {
            say("fitting \(laws.map(\.rawValue).joined(separator: ", "))\(entry.settings.bootstrap > 0 ? " with \(entry.settings.bootstrap) bootstrap resamples" : "")")
            var fitOptions = FitOptions()
            fitOptions.bootstrap = entry.settings.bootstrap
            fitOptions.seed = 1
            // Law by law: a law the data cannot support (no interior IsoFLOP minimum, too few runs)
            // is reported with its reason and the others still stand.
            var merged = FitReport(source: directory.url.path, fits: [], runsUsed: [], runsExcluded: [])
            for law in laws {
                for count in entry.settings.parameterCounts where law != .annealing || count == .total {
                    let name = law.rawValue + (count == .total ? "" : " (\(count.rawValue) parameters)")
                    do {
                        let r: FitReport
                        if law == .annealing {
                            // Fitted on all runs but the last, which it predicts (lab 03).
                            let (check, report) = try AnnealingCheck.run(sweepDirectory: directory.url, options: fitOptions)
                            annealing = check; r = report
                        } else {
                            r = try ScalingFit.run(FitRequest(path: directory.url.path, laws: [law],
                                                              selection: Self.selection(count, loss: entry.settings.loss), options: fitOptions))
                        }
                        merged.fits += r.fits
                        merged.runsUsed += r.runsUsed.filter { !merged.runsUsed.contains($0) }
                        merged.runsExcluded += r.runsExcluded.filter { !merged.runsExcluded.contains($0) }
                    } catch {
                        failedLaws[name] = "\(error)"
                        say("\(name) could not be fitted: \(error)")
                    }
                }
            }
            if !merged.fits.isEmpty {
                let url = directory.url.appendingPathComponent("fit.json")
                try AtomicFile.write(JSONOutput.encode(merged), to: url)
                fit = merged; fitURL = url
            }
        }

        let reportURL = directory.url.appendingPathComponent("report.html")
        say("writing the report")
        let report = try StudyReport.write(ReportRequest(input: directory.url.path, fitFile: fitURL?.path, output: reportURL.path))

        var headline = fit.map(Headline.init(fit:)) ?? Headline()
        headline.bestRun = Headline.BestRun(results: directory.resultsURL, byBitsPerByte: entry.settings.loss == .bitsPerByte)
        headline.lawsNotFitted = failedLaws
        headline.annealing = annealing
        if entry.settings.compareFloor {
            headline.trueE = try trueFloor(entry.sweep)
            headline.contextFloorE = try contextFloor(entry.sweep)
        }
        let wall = (clock.now - start)
        return Outcome(directory: directory.url, report: report.html, fitFile: fitURL?.path, fit: fit, headline: headline,
                       sweepSeconds: sweep.wallSeconds, wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18,
                       failedRuns: failed)
    }

    /// The results.csv columns a parameter count reads: Kaplan's non-embedding N goes with his
    /// compute C = 6·N_ne·D (`flops_kaplan`); runs stay grouped by the budget that planned them.
    /// Bits per byte replace both the loss and the vocabulary laws' unigram-normalised loss.
    static func selection(_ count: ParamCount, loss: StudyLoss = .valLoss) -> DataSelection {
        var columns: [String: String] = [:]
        if count == .nonEmbedding { columns["N"] = "n_params_non_embedding"; columns["C"] = "flops_kaplan" }
        if loss == .bitsPerByte { columns["loss"] = "bits_per_byte"; columns["Lu"] = "bits_per_byte" }
        return DataSelection(columns: columns)
    }

    /// The exact floor of the validation text in the loss's unit (nats per token = per byte, for
    /// a byte-level synthetic corpus): what a fitted E should approach.
    static func trueFloor(_ sweep: SweepConfig) throws -> Double {
        let base = try sweep.decodedBase()
        guard let name = base.data.corpus, base.data.tokenizer == .bytes else {
            throw ScaleLabError.config(file: sweep.source, key: "study.compare_floor", reason: "the true floor is known only for a built-in synthetic corpus read as bytes (base.data.corpus, tokenizer: bytes)")
        }
        let prepared = try CorpusPreparer.prepare(nameOrPath: name)
        guard let synthetic = prepared.info.synthetic else {
            throw ScaleLabError.config(file: sweep.source, key: "study.compare_floor", reason: "corpus '\(name)' is not synthetic, so its entropy rate is unknown")
        }
        return synthetic.valTrueNegativeLogLikelihood.natsPerByte
    }

    /// The floor for the base config's context on the windows its validation loss averages (every
    /// run of a sweep shares the validation split, context and window count unless a grid varies
    /// them; then the base's is reported). Nil when the corpus's language has no window model.
    static func contextFloor(_ sweep: SweepConfig) throws -> Double? {
        let base = try sweep.decodedBase()
        guard let name = base.data.corpus, base.data.tokenizer == .bytes else { return nil }
        let prepared = try CorpusPreparer.prepare(nameOrPath: name)
        let context = base.model.context
        let offsets = evaluationOffsets(tokens: prepared.info.val.bytes, context: context,
                                        count: base.training.evalBatches * base.training.batchSize)
        return try CorpusPreparer.contextWindowFloor(nameOrPath: name, offsets: offsets, context: context)
    }
}
