import ArgumentParser
import Corpora
import Foundation
import Support

/// `scalelab corpus list|prepare|info`: corpus manifests, preparation into the cache, statistics.
public struct CorpusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "List, prepare and describe training corpora.",
        subcommands: [List.self, Prepare.self, Info.self, Bench.self])
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
