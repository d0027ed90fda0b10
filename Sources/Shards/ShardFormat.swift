import Foundation
import Support

/// Element type of a token file: uint16 whenever the vocabulary fits (≤ 65536 ids), else uint32.
/// Little-endian, no header (nanoGPT's `.bin` layout), so NumPy reads it with `np.memmap`.
public enum TokenDType: String, Codable, Sendable {
    case uint16, uint32
    public var width: Int { self == .uint16 ? 2 : 4 }
    /// The one rule for choosing the element type.
    public static func forVocabulary(_ vocabSize: Int) -> TokenDType { vocabSize <= 65536 ? .uint16 : .uint32 }
}

/// The `<file>.bin.json` sidecar of a token file: one schema for every producer (`scalelab
/// tokenizer encode`, the corpus shard cache). The corpus fields are present only for corpus shards.
public struct ShardSidecar: Codable, Sendable, Equatable {
    public var dtype: TokenDType
    public var vocabSize: Int
    public var tokens: Int
    /// The tokenizer's identity (`bytes`, or `bpe-<content hash>`): equal identities encode alike.
    public var tokenizer: String
    /// Bytes of text encoded (tokens per byte gives bits per byte from a loss in nats per token).
    public var bytes: Int?
    /// The text file encoded, when there was one.
    public var source: String?
    public var corpus: String?
    public var corpusSHA256: String?
    public var split: String?

    public init(dtype: TokenDType, vocabSize: Int, tokens: Int, tokenizer: String, bytes: Int? = nil, source: String? = nil,
                corpus: String? = nil, corpusSHA256: String? = nil, split: String? = nil) {
        self.dtype = dtype; self.vocabSize = vocabSize; self.tokens = tokens; self.tokenizer = tokenizer
        self.bytes = bytes; self.source = source; self.corpus = corpus; self.corpusSHA256 = corpusSHA256; self.split = split
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dtype, tokens, tokenizer, bytes, source, corpus, split
        case vocabSize = "vocab_size"
        case corpusSHA256 = "corpus_sha256"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dtype = try c.decode(TokenDType.self, forKey: .dtype)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        tokens = try c.decode(Int.self, forKey: .tokens)
        tokenizer = try c.decode(String.self, forKey: .tokenizer)
        bytes = try c.decodeIfPresent(Int.self, forKey: .bytes)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        corpus = try c.decodeIfPresent(String.self, forKey: .corpus)
        corpusSHA256 = try c.decodeIfPresent(String.self, forKey: .corpusSHA256)
        split = try c.decodeIfPresent(String.self, forKey: .split)
    }

    /// The sidecar path of a token file.
    public static func url(of tokenFile: URL) -> URL { URL(fileURLWithPath: tokenFile.path + ".json") }

    /// Reads and checks a sidecar; nil when the file has none. Every field is checked before use.
    public static func read(tokenFile path: String) throws -> ShardSidecar? {
        let sidecarPath = path + ".json"
        guard FileManager.default.fileExists(atPath: sidecarPath) else { return nil }
        guard let data = FileManager.default.contents(atPath: sidecarPath) else {
            throw ScaleLabError.io(path: sidecarPath, reason: "cannot be read")
        }
        guard data.count <= 1 << 20 else { throw ScaleLabError.data(path: sidecarPath, reason: "\(data.count) bytes, too large for a shard sidecar") }
        let s: ShardSidecar
        do { s = try JSONDecoder().decode(ShardSidecar.self, from: data) } catch let e as DecodingError {
            let (key, reason) = e.keyPathAndReason
            guard !key.isEmpty else { throw ScaleLabError.data(path: sidecarPath, reason: "not a shard sidecar (invalid JSON)") }
            throw ScaleLabError.data(path: sidecarPath, reason: "not a shard sidecar: key '\(key)': \(reason)")
        } catch {
            throw ScaleLabError.data(path: sidecarPath, reason: "not a shard sidecar (invalid JSON)")
        }
        guard s.vocabSize >= 1, s.dtype == .uint32 || s.vocabSize <= 65536, s.vocabSize <= Int(UInt32.max) else {
            throw ScaleLabError.data(path: sidecarPath, reason: "vocab_size \(s.vocabSize) does not fit dtype \(s.dtype.rawValue)")
        }
        guard s.tokens >= 0 else { throw ScaleLabError.data(path: sidecarPath, reason: "tokens must be ≥ 0, got \(s.tokens)") }
        if let b = s.bytes, b < 0 { throw ScaleLabError.data(path: sidecarPath, reason: "bytes must be ≥ 0, got \(b)") }
        return s
    }

    public func write(forTokenFile url: URL) throws {
        try AtomicFile.write(try JSONOutput.encode(self), to: Self.url(of: url))
    }
}
