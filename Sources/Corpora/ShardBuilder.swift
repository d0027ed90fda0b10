import Foundation
import Support

/// Train and validation token shards of one prepared corpus under one tokenizer.
public struct TokenShardSet: Sendable {
    public let directory: URL
    public let wasCached: Bool
    public var train: URL { directory.appendingPathComponent("train.bin") }
    public var val: URL { directory.appendingPathComponent("val.bin") }
    public let trainTokens: Int
    public let valTokens: Int
}

/// Tokenizes prepared corpora into cached shards.
///
/// Cache entry: `<cache>/shards/<corpus>-<key>` with key = SHA-256("corpus <corpus sha256>\n
/// tokenizer <identity>\n"), installed atomically like corpus entries. Text is memory-mapped
/// and encoded one document at a time (document = up to and including `<|endoftext|>`; longer
/// than 8 MiB → cut after the last newline before that size), so memory stays bounded.
public enum ShardBuilder {
    static let maxSpan = 8 << 20

    public static func build(_ corpus: PreparedCorpus, encoder: any TokenEncoder, cache: CorpusCache = CorpusCache(),
                             log: (String) -> Void = { _ in }) throws -> TokenShardSet {
        let key = SHA256.hex(of: Array("corpus \(corpus.info.sha256)\ntokenizer \(encoder.identity)\n".utf8))
        let entry = cache.entry("shards", "\(corpus.info.name)-\(key.prefix(16))")
        func counts(_ dir: URL) throws -> (Int, Int) {
            let train = try TokenShard(path: dir.appendingPathComponent("train.bin").path)
            let val = try TokenShard(path: dir.appendingPathComponent("val.bin").path)
            return (train.count, val.count)
        }
        if cache.exists(entry), let (t, v) = try? counts(entry) {
            return TokenShardSet(directory: entry, wasCached: true, trainTokens: t, valTokens: v)
        }
        log("tokenizing \(corpus.info.name) with \(encoder.identity) into \(entry.path)")
        try cache.install(entry) { tmp in
            for (split, text) in [("train", corpus.trainText), ("val", corpus.valText)] {
                let out = tmp.appendingPathComponent("\(split).bin")
                let tokens = try encodeFile(text, encoder: encoder, to: out)
                let sidecar = ShardSidecar(dtype: .forVocabulary(encoder.vocabSize), vocabSize: encoder.vocabSize, tokens: tokens,
                                           tokenizer: encoder.identity, corpus: corpus.info.name, corpusSHA256: corpus.info.sha256, split: split)
                try AtomicFile.write(try JSONOutput.encode(sidecar), to: URL(fileURLWithPath: out.path + ".json"))
            }
        }
        let (t, v) = try counts(entry)
        return TokenShardSet(directory: entry, wasCached: false, trainTokens: t, valTokens: v)
    }

    /// Encodes `text` span by span into a raw little-endian shard; returns the token count.
    static func encodeFile(_ text: URL, encoder: any TokenEncoder, to out: URL) throws -> Int {
        let data = try Data(contentsOf: text, options: .alwaysMapped)
        let dtype = TokenDType.forVocabulary(encoder.vocabSize)
        let sink = try FileSink(path: out.path)
        let buffer = OutputBuffer { try sink.write($0) }
        var total = 0
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                let end = spanEnd(bytes, from: start)
                let ids = encoder.encode(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                for (i, id) in ids.enumerated() where Int(id) >= encoder.vocabSize {
                    throw ScaleLabError.data(path: text.path, reason: "tokenizer '\(encoder.identity)' produced id \(id) ≥ vocab_size \(encoder.vocabSize) (token \(total + i))")
                }
                try ids.withUnsafeBufferPointer { ids in
                    switch dtype {
                    case .uint16:
                        let narrow = ids.map { UInt16(truncatingIfNeeded: $0).littleEndian }
                        try narrow.withUnsafeBytes { try buffer.append($0) }
                    case .uint32:
                        let wide = ids.map { $0.littleEndian }
                        try wide.withUnsafeBytes { try buffer.append($0) }
                    }
                }
                total += ids.count
                start = end
            }
        }
        try buffer.flush()
        try sink.finish()
        return total
    }

    /// End of the span starting at `start`: just past the next `<|endoftext|>`, else after the
    /// last newline within `maxSpan`, else `maxSpan` bytes on, else the end of the text.
    static func spanEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let limit = min(bytes.count, start + maxSpan)
        let marker = endOfText
        var i = start
        while i < limit {
            if bytes[i] == 0x3C, i + marker.count <= bytes.count,
               (1..<marker.count).allSatisfy({ bytes[i + $0] == marker[$0] }) { return i + marker.count }
            i += 1
        }
        if limit == bytes.count { return limit }
        var j = limit - 1
        while j > start, bytes[j] != 0x0A { j -= 1 }
        return j > start ? j + 1 : limit
    }
}
