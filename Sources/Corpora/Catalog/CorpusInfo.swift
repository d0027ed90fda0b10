/// Statistics of one split of a prepared corpus.
public struct SplitInfo: Codable, Sendable, Equatable {
    public var bytes: Int
    public var documents: Int
    /// Unicode scalars (UTF-8 sequences) in the text.
    public var characters: Int
    public var sha256: String
    public var unigramByteEntropyBits: Double

    enum CodingKeys: String, CodingKey {
        case bytes, documents, characters, sha256
        case unigramByteEntropyBits = "unigram_byte_entropy_bits"
    }
}

/// What `prepare` records in `info.json` next to `train.txt` and `val.txt`.
public struct CorpusInfo: Codable, Sendable, Equatable {
    public var name: String
    public var kind: String
    /// The cache key: SHA-256 of the manifest (as JSON) and the source's fingerprint.
    public var cacheKey: String
    /// `CorpusPreparer.preparedDigest(train:val:)` (what `prepared_sha256` pins).
    public var sha256: String
    public var bytes: Int
    public var documents: Int
    public var characters: Int
    /// Plug-in entropy of the byte histogram of both splits, bits per byte.
    public var unigramByteEntropyBits: Double
    public var train: SplitInfo
    public var val: SplitInfo
    /// Names of the validation documents (at most 200 listed).
    public var validationDocuments: [String]
    /// Synthetic corpora only: the generator's exact entropy rate and related figures.
    public var synthetic: SyntheticInfo?

    enum CodingKeys: String, CodingKey {
        case name, kind, sha256, bytes, documents, characters, train, val, synthetic
        case cacheKey = "cache_key"
        case unigramByteEntropyBits = "unigram_byte_entropy_bits"
        case validationDocuments = "validation_documents"
    }
}

public struct SyntheticInfo: Codable, Sendable, Equatable {
    /// lim (1/n) H(X_1..X_n) of the generator's byte stream: the irreducible loss per byte.
    public var entropyRate: EntropyRate
    public var meanDocumentBytes: Double
    /// −log P(val.txt) under the true generator divided by its bytes: the exact floor for
    /// this particular validation text (it scatters around the rate by sampling noise).
    public var valTrueNegativeLogLikelihood: EntropyRate

    enum CodingKeys: String, CodingKey {
        case entropyRate = "entropy_rate"
        case meanDocumentBytes = "mean_document_bytes"
        case valTrueNegativeLogLikelihood = "val_true_nll"
    }
}
