import Corpora
import Foundation
import Support
import Tokenizer

/// Tokenizers trained on a corpus, cached like corpora and shards.
public enum CorpusTokenizer {
    /// A byte-level BPE tokenizer with `vocabSize` ids trained on the corpus's training split (never
    /// its validation split). Cache entry `<cache>/tokenizers/<corpus>-v<V>-<key>/` holds
    /// `tokenizer.json`, `vocab.json` and `merges.txt`; key = SHA-256 of the corpus hash, the
    /// vocabulary size and the special tokens, so the same corpus and size are trained once.
    public static func bpe(for corpus: PreparedCorpus, vocabSize: Int,
                           specialTokens: [String] = [BPETokenizer.endOfText], threads: Int = 2,
                           cache: CorpusCache = CorpusCache(), log: (String) -> Void = { _ in }) throws -> (tokenizer: BPETokenizer, directory: URL) {
        let key = SHA256.hex(of: Array("bpe corpus \(corpus.info.sha256)\nvocab \(vocabSize)\nspecials \(specialTokens.joined(separator: "\u{1F}"))\n".utf8))
        let entry = cache.entry("tokenizers", "\(corpus.info.name)-v\(vocabSize)-\(key.prefix(16))")
        if cache.exists(entry), let t = try? BPETokenizer.load(from: entry) { return (t, entry) }
        log("training a \(vocabSize)-token BPE tokenizer on \(corpus.info.name) (train split)")
        try cache.install(entry) { tmp in
            let t = try BPETokenizer.train(files: [corpus.trainText], vocabSize: vocabSize, specialTokens: specialTokens,
                                           threads: threads)
            try t.save(to: tmp)
        }
        return (try BPETokenizer.load(from: entry), entry)
    }
}
