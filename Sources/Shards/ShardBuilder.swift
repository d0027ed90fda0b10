import Corpora
import Foundation
import Support

/// Train and validation token files of one prepared corpus under one encoding.
public struct TokenShardSet: Sendable {
    public let directory: URL
    public let wasCached: Bool
    public var train: URL { directory.appendingPathComponent("train.bin") }
    public var val: URL { directory.appendingPathComponent("val.bin") }
    public let trainTokens: Int
    public let valTokens: Int
}

/// Tokenizes prepared corpora into cached token files through `ShardWriter`.
///
/// Cache entry: `<cache>/shards/<corpus>-<key>` with key = SHA-256("shards v2\ncorpus <corpus
/// sha256>\ntokenizer <identity>\n"), installed atomically like corpus entries, so a shard set is
/// built once per (corpus, tokenizer) and shared by every run and sweep that needs it.
public enum ShardBuilder {
    public static func build(_ corpus: PreparedCorpus, encoding: TokenEncoding, threads: Int = 2, cache: CorpusCache = CorpusCache(),
                             log: (String) -> Void = { _ in }) throws -> TokenShardSet {
        let key = SHA256.hex(of: Array("shards v2\ncorpus \(corpus.info.sha256)\ntokenizer \(encoding.identity)\n".utf8))
        let entry = cache.entry("shards", "\(corpus.info.name)-\(key.prefix(16))")
        func counts(_ dir: URL) throws -> (Int, Int) {
            let train = try TokenShard(path: dir.appendingPathComponent("train.bin").path)
            let val = try TokenShard(path: dir.appendingPathComponent("val.bin").path)
            return (train.count, val.count)
        }
        if cache.exists(entry), let (t, v) = try? counts(entry) {
            return TokenShardSet(directory: entry, wasCached: true, trainTokens: t, valTokens: v)
        }
        log("tokenizing \(corpus.info.name) with \(encoding.identity) into \(entry.path)")
        try cache.install(entry) { tmp in
            for (split, text) in [("train", corpus.trainText), ("val", corpus.valText)] {
                try ShardWriter.encode(input: text, output: tmp.appendingPathComponent("\(split).bin"), encoding: encoding,
                                                     threads: threads) { s in
                    s.source = nil; s.corpus = corpus.info.name; s.corpusSHA256 = corpus.info.sha256; s.split = split
                }
            }
        }
        let (t, v) = try counts(entry)
        return TokenShardSet(directory: entry, wasCached: false, trainTokens: t, valTokens: v)
    }
}
