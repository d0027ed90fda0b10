import Foundation

/// A summary of a tokenizer, optionally measured on a text (`scalelab tokenizer info`).
public struct TokenizerInfo: Sendable, Codable {
    public struct LongToken: Sendable, Codable {
        public let id: UInt32
        public let bytes: Int
        /// The token's text (invalid UTF-8 shown as U+FFFD).
        public let text: String
    }
    public let vocab_size: Int
    public let merges: Int
    public let special_tokens: [String: UInt32]
    public let longest_tokens: [LongToken]
    /// Present when a text was given.
    public let statistics: TokenStatistics?

    /// Loads the tokenizer at `path` and, if `text` is given, encodes that file and measures it.
    public static func describe(tokenizer path: URL, text: URL?, longest: Int = 10) throws -> TokenizerInfo {
        let t = try BPETokenizer.load(from: path)
        let specialIds = Set(t.specialTokens.map(\.id))
        let ordinary = (0..<UInt32(t.vocabSize)).filter { !specialIds.contains($0) }
        let long = ordinary.map { ($0, t.tables.bytes(of: Int($0)).count) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            .prefix(longest)
            .map { LongToken(id: $0.0, bytes: $0.1, text: String(decoding: t.tokenBytes($0.0)!, as: UTF8.self)) }
        let stats = try text.map { t.statistics(of: try readNonEmptyFile($0)) }
        return TokenizerInfo(vocab_size: t.vocabSize, merges: t.merges.count,
                             special_tokens: Dictionary(uniqueKeysWithValues: t.specialTokens.map { ($0.content, $0.id) }),
                             longest_tokens: Array(long), statistics: stats)
    }
}
