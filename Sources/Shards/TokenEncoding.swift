import Foundation
import Support
import Tokenizer

/// How text becomes token ids for a token file: one id per byte, or a byte-level BPE tokenizer.
public enum TokenEncoding: Sendable {
    /// One token per byte (vocabulary 256). Its loss in bits per token is bits per byte, the
    /// unit of the synthetic corpora's entropy rates.
    case bytes
    case bpe(BPETokenizer)

    public var vocabSize: Int {
        switch self {
        case .bytes: return 256
        case let .bpe(t): return t.vocabSize
        }
    }

    /// A stable name of the mapping from text to ids: part of every shard cache key and sidecar,
    /// so a changed tokenizer never reuses old shards.
    public var identity: String {
        switch self {
        case .bytes: return "bytes"
        case let .bpe(t): return t.identity
        }
    }

    public var tokenizer: BPETokenizer? {
        if case let .bpe(t) = self { return t }
        return nil
    }
}

extension BPETokenizer {
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
}
