import Foundation
import Support

/// A byte-level BPE tokenizer (GPT-2 style): text is split into pre-tokens by the GPT-2 pattern
/// (see `PretokenScanner`), each pre-token's bytes start as one token per byte and are merged
/// pairwise, lowest merge rank first, until no listed merge applies. Special tokens are matched
/// in the raw input before pre-tokenisation and are never split or merged.
///
/// Id layout of a tokenizer trained by ScaleLab: ids 0–255 are the single bytes in byte order,
/// then one id per merge-created token in the order they were learned, then the special tokens
/// last (GPT-2's `<|endoftext|>` is 50256 the same way). Loaded tokenizers keep their file's ids.
public struct BPETokenizer: Sendable {
    /// One merge rule: the adjacent tokens `left right` become `result`. Its rank is its index.
    public struct Merge: Sendable, Equatable, Hashable {
        public let left: UInt32
        public let right: UInt32
        public let result: UInt32
        public init(left: UInt32, right: UInt32, result: UInt32) {
            self.left = left; self.right = right; self.result = result
        }
    }

    /// A token that is matched verbatim in the input (when enabled) and never split or merged.
    public struct SpecialToken: Sendable, Equatable {
        public let content: String
        public let id: UInt32
        public init(content: String, id: UInt32) { self.content = content; self.id = id }
    }

    /// The merge rules in rank order.
    public let merges: [Merge]
    /// Special tokens, in id order.
    public let specialTokens: [SpecialToken]
    let tables: TokenTables

    /// Number of ids, special tokens included.
    public var vocabSize: Int { tables.vocabSize }

    /// Builds a tokenizer from explicit tables, checking that they are consistent: every byte has
    /// a one-byte token, each merge's result is the concatenation of its two tokens, no two
    /// ordinary tokens share bytes, and each special token's bytes are its UTF-8 content.
    /// - Parameter merges: (left id, right id) in rank order; result ids are looked up by bytes.
    public init(tokens: [[UInt8]], merges pairs: [(UInt32, UInt32)], specialTokens: [SpecialToken]) throws {
        let specialIds = Set(specialTokens.map { Int($0.id) })
        var idOfBytes = [[UInt8]: UInt32](minimumCapacity: tokens.count)
        for (id, t) in tokens.enumerated() where !specialIds.contains(id) {
            guard !t.isEmpty else { throw ScaleLabError.invalid("token \(id) is empty") }
            if let other = idOfBytes.updateValue(UInt32(id), forKey: t) {
                throw ScaleLabError.invalid("tokens \(other) and \(id) have the same bytes \(t)")
            }
        }
        for s in specialTokens {
            guard Int(s.id) < tokens.count else {
                throw ScaleLabError.invalid("special token '\(s.content)' has id \(s.id) outside the vocabulary of \(tokens.count)")
            }
            guard !s.content.isEmpty, tokens[Int(s.id)] == Array(s.content.utf8) else {
                throw ScaleLabError.invalid("special token id \(s.id) does not hold the bytes of '\(s.content)'")
            }
        }
        var byteIds = [UInt32](repeating: 0, count: 256)
        for b in 0..<256 {
            guard let id = idOfBytes[[UInt8(b)]] else {
                throw ScaleLabError.invalid("the vocabulary has no token for byte 0x\(String(b, radix: 16)); a byte-level BPE needs all 256")
            }
            byteIds[b] = id
        }
        var merges: [Merge] = []
        merges.reserveCapacity(pairs.count)
        for (rank, (l, r)) in pairs.enumerated() {
            guard Int(l) < tokens.count, Int(r) < tokens.count, !specialIds.contains(Int(l)), !specialIds.contains(Int(r)) else {
                throw ScaleLabError.invalid("merge \(rank) refers to id \(max(l, r)), which is not an ordinary token")
            }
            guard let result = idOfBytes[tokens[Int(l)] + tokens[Int(r)]] else {
                throw ScaleLabError.invalid("merge \(rank) (\(l) \(r)) produces bytes that are not in the vocabulary")
            }
            merges.append(Merge(left: l, right: r, result: result))
        }
        self.merges = merges
        self.specialTokens = specialTokens.sorted { $0.id < $1.id }
        self.tables = TokenTables(tokens: tokens, byteIds: byteIds, merges: merges)
    }

    /// The bytes of token `id`, or nil if the id is outside the vocabulary.
    public func tokenBytes(_ id: UInt32) -> [UInt8]? {
        guard Int(id) < vocabSize else { return nil }
        return Array(tables.bytes(of: Int(id)))
    }

    /// The id of a special token, or nil.
    public func specialTokenID(_ content: String) -> UInt32? {
        specialTokens.first { $0.content == content }?.id
    }

    // MARK: Encoding

    /// Encodes bytes (any bytes; invalid UTF-8 is fine) to token ids. With `allowSpecial`, the
    /// special tokens' contents in the input become their ids; otherwise they are ordinary text.
    public func encode(_ bytes: [UInt8], allowSpecial: Bool = true) -> [UInt32] {
        let session = BPEEncodingSession(self, allowSpecial: allowSpecial)
        return bytes.withUnsafeBufferPointer { session.encode($0) }
    }

    /// Encodes into a caller-owned buffer of at least `bytes.count` ids (every token covers at
    /// least one byte) and returns how many ids were written. Allocates nothing per call beyond
    /// the encoder's cache.
    public func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt32>, allowSpecial: Bool = true) -> Int {
        precondition(output.count >= bytes.count, "the output buffer must hold at least one id per input byte")
        let session = BPEEncodingSession(self, allowSpecial: allowSpecial)
        return session.encode(bytes, into: output.baseAddress!)
    }

    /// Encodes the UTF-8 bytes of a string.
    public func encodeText(_ text: String, allowSpecial: Bool = true) -> [UInt32] {
        encode(Array(text.utf8), allowSpecial: allowSpecial)
    }

    // MARK: Decoding

    /// The concatenated bytes of the ids; throws if an id is outside the vocabulary.
    public func decode(_ ids: [UInt32]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for (i, id) in ids.enumerated() {
            guard Int(id) < vocabSize else {
                throw ScaleLabError.invalid("token id \(id) at position \(i) is outside the vocabulary (size \(vocabSize))")
            }
            out.append(contentsOf: tables.bytes(of: Int(id)))
        }
        return out
    }

    /// Decodes to a String; invalid UTF-8 becomes U+FFFD (use `decode` for exact bytes).
    public func decodeText(_ ids: [UInt32]) throws -> String {
        String(decoding: try decode(ids), as: UTF8.self)
    }
}
