import Corpora
import Foundation
import Shards
import Support
import Tokenizer

/// The tokens a run trains and evaluates on: two `TokenShard`s (memory-mapped token files, or
/// text read as bytes) checked against the model's vocabulary.
public struct RunData: Sendable {
    public let train: TokenShard
    public let validation: TokenShard
    /// Where the tokens came from, for messages and the summary.
    public let source: String
    /// The BPE tokenizer that produced the tokens (saved into the run directory); nil for bytes.
    public let tokenizer: BPETokenizer?
    /// Text bytes behind the validation tokens, when known (bits per byte = loss/ln 2 · tokens/bytes).
    public let validationBytes: Int?

    public static func load(_ config: DataConfig, vocabSize: Int, context: Int, threads: Int = 2,
                            log: (String) -> Void = { _ in }) throws -> RunData {
        var data: RunData
        switch config.source {
        case let .corpus(corpus):
            data = try loadCorpus(corpus, tokenizer: config.tokenizer, vocabSize: vocabSize, threads: threads, log: log)
        case let .text(files):
            guard vocabSize >= 256 else {
                throw ScaleLabError.invalidValue(key: "model.vocab_size", reason: "text is read as bytes, which needs vocab_size ≥ 256, got \(vocabSize)")
            }
            var bytes = Data()
            for path in files { bytes.append(try readFile(path)) }
            let all = bytes.withUnsafeBytes { TokenShard(bytes: $0, source: files.joined(separator: ", ")) }
            data = split(all, fraction: config.valFraction, validationBytes: { $0 })
        case let .tokenFiles(trainPath, valPath):
            let train = try readTokens(trainPath, vocabSize: vocabSize)
            if let valPath {
                let val = try readTokens(valPath, vocabSize: vocabSize)
                data = RunData(train: train, validation: val, source: trainPath, tokenizer: nil, validationBytes: val.sidecar?.bytes)
            } else {
                data = split(train, fraction: config.valFraction, validationBytes: { _ in nil })
            }
        }
        if let u = config.uniqueTokens {
            // U + 1 tokens hold U targets: non-overlapping windows then serve at most U unique tokens.
            guard u + 1 <= data.train.count else {
                throw ScaleLabError.invalidValue(key: "data.unique_tokens", reason: "\(u) tokens asked, but the training split of \(data.source) holds \(data.train.count - 1)")
            }
            data = RunData(train: data.train.slice(0..<(u + 1)), validation: data.validation, source: data.source,
                           tokenizer: data.tokenizer, validationBytes: data.validationBytes)
        }
        for (name, tokens) in [("training", data.train), ("validation", data.validation)] where tokens.count < context + 1 {
            throw ScaleLabError.data(path: data.source,
                                     reason: "the \(name) split holds \(tokens.count) tokens, fewer than one context of \(context) + 1")
        }
        return data
    }

    /// Prepares the corpus (cached), tokenizes it with the tokenizer asked for (cached), and maps
    /// the train and validation token files.
    static func loadCorpus(_ corpus: String, tokenizer choice: TokenizerChoice, vocabSize: Int, threads: Int,
                           log: (String) -> Void) throws -> RunData {
        let prepared = try CorpusPreparer.prepare(nameOrPath: corpus, log: log)
        let encoding: TokenEncoding
        switch choice {
        case .bytes: encoding = .bytes
        case .bpe: encoding = .bpe(try CorpusTokenizer.bpe(for: prepared, vocabSize: vocabSize, threads: threads, log: log).tokenizer)
        case let .saved(path): encoding = .bpe(try BPETokenizer.load(from: URL(fileURLWithPath: path)))
        }
        guard encoding.vocabSize <= vocabSize else {
            throw ScaleLabError.invalidValue(key: "model.vocab_size", reason: "\(vocabSize) is smaller than the tokenizer's \(encoding.vocabSize) ids (data.tokenizer: \(choice))")
        }
        let shards = try ShardBuilder.build(prepared, encoding: encoding, threads: threads, log: log)
        let validation = try readTokens(shards.val.path, vocabSize: vocabSize)
        return RunData(train: try readTokens(shards.train.path, vocabSize: vocabSize), validation: validation,
                       source: "\(prepared.info.name) (\(encoding.identity))", tokenizer: encoding.tokenizer,
                       validationBytes: validation.sidecar?.bytes)
    }

    /// Holds out the tail, so no training window overlaps a validation one.
    static func split(_ tokens: TokenShard, fraction: Double, validationBytes: (Int) -> Int?) -> RunData {
        let nVal = Int((Double(tokens.count) * fraction).rounded())
        let cut = tokens.count - nVal
        return RunData(train: tokens.slice(0..<cut), validation: tokens.slice(cut..<tokens.count), source: tokens.path,
                       tokenizer: nil, validationBytes: validationBytes(nVal))
    }

    static func readFile(_ path: String) throws -> Data {
        try checkNonEmptyFile(path)
        guard let d = FileManager.default.contents(atPath: path) else {
            throw ScaleLabError.data(path: path, reason: "cannot be read")
        }
        return d
    }

    static func checkNonEmptyFile(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ScaleLabError.data(path: path, reason: "no such file")
        }
        guard !isDir.boolValue else { throw ScaleLabError.data(path: path, reason: "is a directory, expected a file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { throw ScaleLabError.data(path: path, reason: "the file is empty") }
    }

    /// Maps a token file (every id checked against the vocabulary, naming the byte offset of a bad
    /// one). A `.bin.json` sidecar, when present, fixes its dtype and vocabulary, which must fit
    /// within the model's; without one, the dtype follows the model's vocabulary.
    public static func readTokens(_ path: String, vocabSize: Int) throws -> TokenShard {
        try checkNonEmptyFile(path)
        let hasSidecar = FileManager.default.fileExists(atPath: path + ".json")
        let shard = try TokenShard(path: path, vocabSize: hasSidecar ? nil : vocabSize)
        guard shard.vocabSize <= vocabSize else {
            throw ScaleLabError.data(path: path, reason: "holds ids of a \(shard.vocabSize)-token vocabulary, more than model.vocab_size \(vocabSize)")
        }
        return shard
    }
}
