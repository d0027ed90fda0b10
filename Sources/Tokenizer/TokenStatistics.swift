import Foundation

/// How a tokenizer compresses a text, and the entropy of its token distribution.
///
/// `unigramEntropyNats` = −Σᵢ pᵢ ln pᵢ over token ids i, with pᵢ = count(i) / tokens: the loss (in
/// nats per token) of the best context-free model of the token stream, which the vocabulary
/// scaling law (Tao et al. 2024, "Scaling Laws with Vocabulary") uses to normalise loss across
/// vocabulary sizes. Characters are Unicode scalars, each invalid UTF-8 byte counting as one.
public struct TokenStatistics: Sendable, Codable, Equatable {
    public let bytes: Int
    public let characters: Int
    public let tokens: Int
    public let distinctTokens: Int
    public let bytesPerToken: Double
    public let charactersPerToken: Double
    public let unigramEntropyNats: Double
    public let unigramEntropyBits: Double

    enum CodingKeys: String, CodingKey {
        case bytes, characters, tokens
        case distinctTokens = "distinct_tokens", bytesPerToken = "bytes_per_token", charactersPerToken = "characters_per_token"
        case unigramEntropyNats = "unigram_entropy_nats", unigramEntropyBits = "unigram_entropy_bits"
    }

    /// Statistics of an id sequence that encodes `bytes` bytes holding `characters` characters.
    public init(ids: [UInt32], vocabSize: Int, bytes: Int, characters: Int) {
        var counts = [Int](repeating: 0, count: max(vocabSize, 1))
        for id in ids where Int(id) < counts.count { counts[Int(id)] += 1 }
        let n = Double(ids.count)
        var h = 0.0
        var distinct = 0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log(p)
            distinct += 1
        }
        self.bytes = bytes
        self.characters = characters
        tokens = ids.count
        distinctTokens = distinct
        bytesPerToken = ids.isEmpty ? 0 : Double(bytes) / n
        charactersPerToken = ids.isEmpty ? 0 : Double(characters) / n
        unigramEntropyNats = h
        unigramEntropyBits = h / log(2)
    }
}

extension BPETokenizer {
    /// Encodes `text` and measures bytes and characters per token and the unigram entropy.
    public func statistics(of text: [UInt8], allowSpecial: Bool = true) -> TokenStatistics {
        TokenStatistics(ids: encode(text, allowSpecial: allowSpecial), vocabSize: vocabSize, bytes: text.count,
                        characters: Pretokenizer.characterCount(text))
    }
}

extension Pretokenizer {
    /// Number of characters as the scanner sees them: Unicode scalars of well-formed UTF-8, plus
    /// one per byte that is not part of a well-formed sequence.
    public static func characterCount(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buf in
            let scanner = PretokenScanner(buf)
            var i = 0, n = 0
            while i < buf.count { i += scanner.classify(i).1; n += 1 }
            return n
        }
    }
}
