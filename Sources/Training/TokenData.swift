import Corpora
import Foundation
import Support
import Tokenizer

/// The tokens a run trains and evaluates on, held as Int32 ids checked against the vocabulary.
///
/// Token files are raw little-endian integers with no header (nanoGPT's `.bin`): uint16 when the
/// vocabulary has at most 65,536 ids, uint32 otherwise. Text files are read as raw bytes — the
/// built-in byte-level tokenizer, one id per byte, vocabulary 256.
public struct TokenData: Sendable {
    public let train: [Int32]
    public let validation: [Int32]
    /// Where the tokens came from, for messages and the summary.
    public let source: String
    /// The BPE tokenizer that produced the tokens (saved into the run directory); nil for bytes.
    public var tokenizer: BPETokenizer?

    public init(train: [Int32], validation: [Int32], source: String, tokenizer: BPETokenizer? = nil) {
        self.train = train; self.validation = validation; self.source = source
        self.tokenizer = tokenizer
    }

    public static func load(_ config: DataConfig, vocabSize: Int, context: Int, threads: Int = 2,
                            log: (String) -> Void = { _ in }) throws -> TokenData {
        let data: TokenData
        if let corpus = config.corpus {
            data = try loadCorpus(corpus, tokenizer: config.tokenizer, vocabSize: vocabSize, threads: threads, log: log)
        } else if let files = config.text {
            guard vocabSize >= 256 else {
                throw ScaleLabError.invalid("model.vocab_size: text is read as bytes, which needs vocab_size ≥ 256, got \(vocabSize)")
            }
            var bytes: [Int32] = []
            for path in files {
                let contents = try readFile(path)
                bytes.reserveCapacity(bytes.count + contents.count)
                contents.withUnsafeBytes { raw in for b in raw.bindMemory(to: UInt8.self) { bytes.append(Int32(b)) } }
            }
            data = split(bytes, fraction: config.valFraction, source: files.joined(separator: ", "))
        } else {
            let trainPath = config.trainTokens!
            let train = try readTokens(trainPath, vocabSize: vocabSize)
            if let valPath = config.valTokens {
                data = TokenData(train: train, validation: try readTokens(valPath, vocabSize: vocabSize), source: trainPath)
            } else {
                data = split(train, fraction: config.valFraction, source: trainPath)
            }
        }
        for (name, tokens) in [("training", data.train), ("validation", data.validation)] where tokens.count < context + 1 {
            throw ScaleLabError.data(path: data.source,
                                     reason: "the \(name) split holds \(tokens.count) tokens, fewer than one context of \(context) + 1")
        }
        return data
    }

    /// Prepares the corpus (cached), tokenizes it with the tokenizer asked for (cached), and reads
    /// the train and validation shards.
    static func loadCorpus(_ corpus: String, tokenizer: String, vocabSize: Int, threads: Int,
                           log: (String) -> Void) throws -> TokenData {
        let prepared = try CorpusPreparer.prepare(nameOrPath: corpus, log: log)
        var bpe: BPETokenizer? = nil
        switch tokenizer {
        case "bytes": break
        case "bpe": bpe = try CorpusTokenizer.bpe(for: prepared, vocabSize: vocabSize, threads: threads, log: log).tokenizer
        default: bpe = try BPETokenizer.load(from: URL(fileURLWithPath: tokenizer))
        }
        let encoder: any TokenEncoder = bpe ?? ByteEncoder()
        guard encoder.vocabSize <= vocabSize else {
            throw ScaleLabError.invalid("model.vocab_size: \(vocabSize) is smaller than the tokenizer's \(encoder.vocabSize) ids (data.tokenizer: \(tokenizer))")
        }
        let shards = try ShardBuilder.build(prepared, encoder: encoder, log: log)
        return TokenData(train: try readTokens(shards.train.path, vocabSize: vocabSize),
                         validation: try readTokens(shards.val.path, vocabSize: vocabSize),
                         source: "\(prepared.info.name) (\(encoder.identity))", tokenizer: bpe)
    }

    /// Holds out the tail, so no training window overlaps a validation one.
    static func split(_ tokens: [Int32], fraction: Double, source: String) -> TokenData {
        let nVal = Int((Double(tokens.count) * fraction).rounded())
        return TokenData(train: Array(tokens[..<(tokens.count - nVal)]), validation: Array(tokens[(tokens.count - nVal)...]),
                         source: source)
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

    /// Reads a token file through Corpora's `TokenShard` (memory-mapped; every id checked against
    /// the vocabulary, naming the byte offset of a bad one). A shard's `.bin.json` sidecar, when
    /// present, fixes its dtype and vocabulary, which must fit within the model's.
    public static func readTokens(_ path: String, vocabSize: Int) throws -> [Int32] {
        try checkNonEmptyFile(path)
        let hasSidecar = FileManager.default.fileExists(atPath: path + ".json")
        let shard = try TokenShard(path: path, vocabSize: hasSidecar ? nil : vocabSize)
        guard shard.vocabSize <= vocabSize else {
            throw ScaleLabError.data(path: path, reason: "holds ids of a \(shard.vocabSize)-token vocabulary, more than model.vocab_size \(vocabSize)")
        }
        var out = [Int32](repeating: 0, count: shard.count)
        out.withUnsafeMutableBufferPointer { shard.copy(from: 0, count: shard.count, into: $0.baseAddress!) }
        return out
    }
}

/// Serves training batches of (B, T) inputs and next-token targets from random offsets drawn
/// from a seeded generator, into buffers allocated once.
public struct BatchSampler {
    /// Settable so a checkpoint can restore the exact position in the batch stream.
    public var rng: SeededRandom
    public let batch: Int, context: Int

    public init(seed: UInt64, batch: Int, context: Int) {
        rng = SeededRandom(seed: seed); self.batch = batch; self.context = context
    }

    /// Fills inputs and targets (B·T each) with windows tokens[o..<o+T] and tokens[o+1...o+T].
    public mutating func next(from tokens: UnsafeBufferPointer<Int32>, inputs: UnsafeMutablePointer<Int32>,
                              targets: UnsafeMutablePointer<Int32>) {
        let span = UInt64(tokens.count - context)  // valid offsets 0..<span
        for b in 0..<batch {
            let o = Int(rng.next() % span)
            (inputs + b * context).update(from: tokens.baseAddress! + o, count: context)
            (targets + b * context).update(from: tokens.baseAddress! + o + 1, count: context)
        }
    }
}

extension BatchSampler {
    /// How many distinct training positions the first `windows` input windows of this sampler's
    /// stream cover, out of `tokens` training tokens: the unique tokens a run saw (the rest of
    /// what it saw were repeats). Replays the stream from the sampler's seed, so it needs no state
    /// in checkpoints and gives the same answer for a resumed run.
    public static func uniqueTokens(seed: UInt64, context: Int, windows: Int, tokens: Int) -> Int {
        var rng = SeededRandom(seed: seed)
        var covered = [UInt64](repeating: 0, count: tokens / 64 + 1)
        let span = UInt64(tokens - context)
        for _ in 0..<windows {
            let o = Int(rng.next() % span)
            // Set bits o..<o+context word by word.
            var i = o
            let end = o + context
            while i < end {
                let word = i >> 6, bit = i & 63, n = min(64 - bit, end - i)
                covered[word] |= (n == 64 ? ~0 : ((1 << UInt64(n)) - 1)) << UInt64(bit)
                i += n
            }
        }
        return covered.reduce(0) { $0 + $1.nonzeroBitCount }
    }
}

/// Offsets of the fixed validation windows: `count` windows spread evenly over the split, so every
/// evaluation sees the same tokens and covers the whole split.
public func evaluationOffsets(tokens: Int, context: Int, count: Int) -> [Int] {
    let last = tokens - context - 1
    guard count > 1 else { return [0] }
    return (0..<count).map { last * $0 / (count - 1) }
}
