import ArgumentParser
import Corpora
import Foundation
import Support
import Training

/// `scalelab corpus list|prepare|info`: corpus manifests, preparation into the cache, statistics.
public struct CorpusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "List, prepare and describe training corpora.",
        subcommands: [List.self, Prepare.self, Info.self, Floor.self, Bench.self])
    public init() {}

    struct Locations: ParsableArguments {
        @Option(help: "Directory of corpus manifests (default: $SCALELAB_CORPORA, else ./corpora or the nearest parent's).")
        var corpora: String?
        @Option(help: "Cache directory (default: $SCALELAB_CACHE, else ~/.cache/scalelab).")
        var cache: String?
        var cacheValue: CorpusCache { CorpusCache(root: cache.map { URL(fileURLWithPath: $0) }) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the corpora defined by manifests.")
        @OptionGroup var locations: Locations
        func run() throws {
            for loaded in try CorpusCatalog(directory: locations.corpora).list() {
                let m = loaded.manifest
                let kind: String
                switch m.source { case .pypiSdist: kind = "pypi-sdist"; case .local: kind = "local"; case .synthetic: kind = "synthetic" }
                print("\(m.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(kind.padding(toLength: 11, withPad: " ", startingAt: 0)) \(m.description)")
            }
        }
    }

    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare a corpus (train.txt, val.txt, info.json) in the cache; a second call does no work.")
        @Argument(help: "Corpus name (from the manifests directory) or path to a manifest; with --local, the name to give the files.")
        var name: String
        @OptionGroup var locations: Locations
        @Option(name: .customLong("local"), parsing: .upToNextOption, help: "Prepare these files, directories or globs instead of a manifest.")
        var localPaths: [String] = []
        @Option(help: "Format of --local inputs: text (one document per file) or jsonl (one per line).")
        var format: LocalSource.Format = .text
        @Option(help: "JSONL field holding the text.")
        var textField: String = "text"
        @Option(parsing: .unconditional, help: "Fraction of documents (by name hash) for validation, with --local.")
        var validationFraction: Double = 0.1

        func validate() throws {
            guard validationFraction > 0, validationFraction < 1 else { throw ValidationError("--validation-fraction must lie strictly between 0 and 1") }
        }

        func run() throws {
            let log: (String) -> Void = { print($0) }
            let prepared = localPaths.isEmpty
                ? try CorpusPreparer.prepare(nameOrPath: name, corporaDirectory: locations.corpora, cache: locations.cacheValue, log: log)
                : try CorpusPreparer.prepareLocal(name: name, paths: localPaths, format: format,
                                                  textField: textField, validationFraction: validationFraction,
                                                  cache: locations.cacheValue, log: log)
            let i = prepared.info
            print("\(prepared.wasCached ? "cached" : "prepared"): \(i.name) at \(prepared.directory.path)")
            print("  \(i.documents) documents, \(i.bytes) bytes (train \(i.train.bytes), val \(i.val.bytes)), sha256 \(i.sha256)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a corpus's statistics as JSON (bytes, documents, characters, splits, unigram byte entropy, exact entropy rate for synthetic corpora); prepares it first if needed.")
        @Argument(help: "Corpus name or path to a manifest.")
        var name: String
        @OptionGroup var locations: Locations
        func run() throws {
            let prepared = try CorpusPreparer.prepare(nameOrPath: name, corporaDirectory: locations.corpora,
                                                      cache: locations.cacheValue, log: { log.info("\($0)") })
            print(try JSONOutput.string(prepared.info), terminator: "")
        }
    }

    struct Floor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, for a synthetic corpus read as bytes, the lowest validation loss a model with a given context can reach on the windows the trainer evaluates, beside the entropy rate (JSON, nats per byte).",
            discussion: "A model whose window starts mid-word cannot know where that word began, so its floor lies above the entropy rate; this is the floor a fitted E should be compared with. The windows are the trainer's: --windows evenly spaced over the validation split (eval_batches × batch_size).")
        @Argument(help: "Corpus name or path to a manifest.")
        var name: String
        @Option(parsing: .unconditional, help: "Context length in bytes (model.context).")
        var context: Int = 128
        @Option(parsing: .unconditional, help: "Evaluation windows (training.eval_batches × training.batch_size).")
        var windows: Int = 512
        @OptionGroup var locations: Locations
        func validate() throws {
            guard context >= 1, windows >= 1 else { throw ValidationError("--context and --windows must be at least 1") }
        }
        func run() throws {
            let prepared = try CorpusPreparer.prepare(nameOrPath: name, corporaDirectory: locations.corpora,
                                                      cache: locations.cacheValue, log: { log.info("\($0)") })
            guard let synthetic = prepared.info.synthetic else {
                throw ValidationError("corpus '\(name)' is not synthetic, so its floor is unknown")
            }
            guard prepared.info.val.bytes > context + 1 else {
                throw ValidationError("the validation split (\(prepared.info.val.bytes) bytes) is shorter than one window of \(context + 1) bytes")
            }
            let offsets = evaluationOffsets(tokens: prepared.info.val.bytes, context: context, count: windows)
            guard let floor = try CorpusPreparer.contextWindowFloor(nameOrPath: name, corporaDirectory: locations.corpora, cache: locations.cacheValue,
                                                                    offsets: offsets, context: context) else {
                throw ValidationError("corpus '\(name)': its language has no window model (only zipf-unigram has one)")
            }
            struct Output: Encodable {
                var corpus: String; var context: Int; var windows: Int
                var entropyRate: Double; var valTrueNLL: Double; var contextFloor: Double
                enum CodingKeys: String, CodingKey {
                    case corpus, context, windows
                    case entropyRate = "entropy_rate_nats_per_byte", valTrueNLL = "val_true_nll_nats_per_byte", contextFloor = "context_floor_nats_per_byte"
                }
            }
            print(try JSONOutput.string(Output(corpus: prepared.info.name, context: context, windows: windows,
                                               entropyRate: synthetic.entropyRate.natsPerByte,
                                               valTrueNLL: synthetic.valTrueNegativeLogLikelihood.natsPerByte, contextFloor: floor)), terminator: "")
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure synthetic-text generation and SHA-256 throughput (JSON, MB/s, best of --repeats).")
        @Option(parsing: .unconditional, help: "Megabytes generated per measurement.")
        var megabytes: Int = 64
        @Option(parsing: .unconditional, help: "Runs per measurement; the best is reported.")
        var repeats: Int = 3
        func validate() throws {
            guard megabytes >= 1, repeats >= 1 else { throw ValidationError("--megabytes and --repeats must be at least 1") }
        }
        func run() throws {
            print(try JSONOutput.string(try CorpusBenchmark.run(megabytes: megabytes, repeats: repeats)), terminator: "")
        }
    }
}
