import Foundation
import Shards
import Support

/// How a corpus is tokenized (`data.tokenizer`): written in YAML as `bytes`, `bpe`, or the path of
/// a saved tokenizer (a directory or a `tokenizer.json`).
public enum TokenizerChoice: Codable, Sendable, Equatable, CustomStringConvertible {
    /// One token per byte, vocabulary 256.
    case bytes
    /// A byte-level BPE tokenizer with model.vocab_size ids trained on the corpus's training split
    /// (cached, shared by every run with the same corpus and size).
    case bpe
    /// A tokenizer saved by `scalelab tokenizer train` or Hugging Face `tokenizers`.
    case saved(path: String)

    public init(_ text: String) {
        switch text {
        case "bytes": self = .bytes
        case "bpe": self = .bpe
        default: self = .saved(path: text)
        }
    }

    public var description: String {
        switch self {
        case .bytes: return "bytes"
        case .bpe: return "bpe"
        case let .saved(path): return path
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard !text.isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected bytes, bpe or the path of a saved tokenizer"))
        }
        self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Where a run's tokens come from.
public enum DataSource: Sendable, Equatable {
    /// A corpus name from the catalogue (e.g. `shakespeare`) or the path of a corpus manifest.
    case corpus(String)
    /// Text files read as raw bytes (vocabulary 256).
    case text([String])
    /// Token files: training, and optionally validation (else the tail of training is held out).
    case tokenFiles(train: String, validation: String?)
}

/// Where the tokens come from and how they are drawn: a corpus (prepared and tokenized on first
/// use, then cached), text files read as bytes, or token files.
public struct DataConfig: Codable, Sendable, Equatable {
    /// A corpus name from the catalogue (e.g. `shakespeare`) or the path of a corpus manifest.
    public var corpus: String?
    /// How a corpus is tokenized.
    public var tokenizer: TokenizerChoice = .bytes
    /// Text files read as raw bytes (the built-in byte-level tokenizer, vocab 256).
    public var text: [String]?
    /// A token file (raw little-endian uint16, or uint32 when vocab_size > 65536) for training…
    public var trainTokens: String?
    /// …and one for validation. Without it, the last `val_fraction` of the training tokens is held out.
    public var valTokens: String?
    /// Fraction of a single source held out for validation (the tail, so no window straddles both).
    public var valFraction: Double = 0.1
    /// How training windows are drawn: `epochs` (default: shuffled non-overlapping windows, every
    /// token at most once per epoch, so a run of D ≤ U tokens has unique tokens = D) or `random`
    /// (offsets drawn with replacement).
    public var sampling: BatchOrder = .epochs
    /// Train on only the first U tokens of the training split (a smaller corpus, repeated over
    /// epochs when D > U: the data-constrained runs of lab 07); validation is unchanged.
    public var uniqueTokens: Int?

    public init(corpus: String? = nil, tokenizer: TokenizerChoice = .bytes, text: [String]? = nil, trainTokens: String? = nil,
                valTokens: String? = nil, valFraction: Double = 0.1, sampling: BatchOrder = .epochs) {
        self.corpus = corpus; self.tokenizer = tokenizer
        self.text = text; self.trainTokens = trainTokens; self.valTokens = valTokens; self.valFraction = valFraction
        self.sampling = sampling
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case corpus, tokenizer, text, trainTokens = "train_tokens", valTokens = "val_tokens", valFraction = "val_fraction"
        case sampling, uniqueTokens = "unique_tokens"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        corpus = try c.decodeIfPresent(String.self, forKey: .corpus)
        tokenizer = try c.decodeIfPresent(TokenizerChoice.self, forKey: .tokenizer) ?? tokenizer
        // `text` may be one path or a list of paths.
        if let one = try? c.decode(String.self, forKey: .text) { text = [one] }
        else { text = try c.decodeIfPresent([String].self, forKey: .text) }
        trainTokens = try c.decodeIfPresent(String.self, forKey: .trainTokens)
        valTokens = try c.decodeIfPresent(String.self, forKey: .valTokens)
        valFraction = try c.decodeIfPresent(Double.self, forKey: .valFraction) ?? valFraction
        sampling = try c.decodeIfPresent(BatchOrder.self, forKey: .sampling) ?? sampling
        uniqueTokens = try c.decodeIfPresent(Int.self, forKey: .uniqueTokens)
    }

    /// The one source this config names (checked by `validate`).
    public var source: DataSource {
        if let corpus { return .corpus(corpus) }
        if let text { return .text(text) }
        return .tokenFiles(train: trainTokens ?? "", validation: valTokens)
    }

    func validate() throws {
        let sources = [corpus != nil, text != nil, trainTokens != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ScaleLabError.invalidValue(key: "data", reason: "give exactly one of 'corpus' (a corpus name), 'text' (text files) or 'train_tokens' (a token file)")
        }
        if corpus == nil && tokenizer != .bytes {
            throw ScaleLabError.invalidValue(key: "data.tokenizer", reason: "only applies to a 'corpus' (text files are read as bytes; token files are already tokenized)")
        }
        if let text, text.isEmpty { throw ScaleLabError.invalidValue(key: "data.text", reason: "the list of files is empty") }
        if valTokens != nil && trainTokens == nil { throw ScaleLabError.invalidValue(key: "data.val_tokens", reason: "needs train_tokens") }
        if let u = uniqueTokens, u < 1 { throw ScaleLabError.invalidValue(key: "data.unique_tokens", reason: "must be at least 1, got \(u)") }
        guard valFraction > 0 && valFraction < 1 else {
            throw ScaleLabError.invalidValue(key: "data.val_fraction", reason: "must lie strictly between 0 and 1, got \(valFraction)")
        }
    }
}
