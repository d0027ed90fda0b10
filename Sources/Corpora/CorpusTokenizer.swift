import Foundation
import Support
import Tokenizer

/// The BPE tokenizer can tokenize corpora into shards.
extension BPETokenizer: TokenEncoder {
    /// SHA-256 of every token's bytes in id order, the merges and the special tokens: two
    /// tokenizers with the same identity encode every text identically.
    public var identity: String {
        var h = SHA256()
        h.update(Array("bpe v1 \(vocabSize)\n".utf8))
        for id in 0..<UInt32(vocabSize) {
            let bytes = tokenBytes(id) ?? []
            h.update(Array("\(bytes.count):".utf8)); h.update(bytes)
        }
        for m in merges { h.update(Array("\(m.left) \(m.right)\n".utf8)) }
        for s in specialTokens { h.update(Array("special \(s.id) \(s.content)\n".utf8)) }
        return "bpe-" + String(h.finalizeHex().prefix(16))
    }

    public func encode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        encode(Array(bytes), allowSpecial: true)
    }
}

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
