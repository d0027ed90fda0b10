import Support

/// Parameters of a synthetic corpus (`source.kind: synthetic`). Everything is derived from
/// `seed`, so the same manifest yields the same bytes on every machine.
public struct SyntheticSpec: Codable, Sendable, Equatable {
    public enum Language: String, Codable, Sendable, CaseIterable {
        /// Independent Zipf-distributed words (`ZipfUnigramLanguage`).
        case zipfUnigram = "zipf-unigram"
        /// Topic header + Markov chain over word classes with sentences (`MarkovGrammarLanguage`).
        case markovGrammar = "markov-grammar"
    }
    public var language: Language
    public var seed: UInt64
    /// The train split is generated until it holds at least this many bytes (whole documents).
    public var trainBytes: Int
    public var valBytes: Int
    /// Words in the lexicon (unigram) or in each content class (grammar; function classes get 1/16).
    public var lexiconSize: Int
    /// Zipf exponent s: the word of rank k has weight 1/(k+1)^s.
    public var zipfExponent: Double
    /// Unigram only: words per document.
    public var wordsPerDocument: Int
    /// Grammar only: number of word classes (half function, half content).
    public var classes: Int
    /// Grammar only: number of topics (one uniformly drawn per document, named in its first line).
    public var topics: Int
    /// Grammar only: mean sentences per document (geometric, end probability 1/mean).
    public var sentencesPerDocument: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, language, seed, classes, topics
        case trainBytes = "train_bytes", valBytes = "val_bytes", lexiconSize = "lexicon_size"
        case zipfExponent = "zipf_exponent", wordsPerDocument = "words_per_document"
        case sentencesPerDocument = "sentences_per_document"
    }

    public init(language: Language, seed: UInt64, trainBytes: Int, valBytes: Int,
                lexiconSize: Int? = nil, zipfExponent: Double = 1.1, wordsPerDocument: Int = 512,
                classes: Int = 8, topics: Int = 16, sentencesPerDocument: Double = 16) {
        self.language = language; self.seed = seed; self.trainBytes = trainBytes; self.valBytes = valBytes
        self.lexiconSize = lexiconSize ?? (language == .zipfUnigram ? 4096 : 1024)
        self.zipfExponent = zipfExponent; self.wordsPerDocument = wordsPerDocument
        self.classes = classes; self.topics = topics; self.sentencesPerDocument = sentencesPerDocument
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let language = try c.decode(Language.self, forKey: .language)
        self.init(language: language,
                  seed: try c.decode(UInt64.self, forKey: .seed),
                  trainBytes: try c.decode(Int.self, forKey: .trainBytes),
                  valBytes: try c.decode(Int.self, forKey: .valBytes),
                  lexiconSize: try c.decodeIfPresent(Int.self, forKey: .lexiconSize),
                  zipfExponent: try c.decodeIfPresent(Double.self, forKey: .zipfExponent) ?? 1.1,
                  wordsPerDocument: try c.decodeIfPresent(Int.self, forKey: .wordsPerDocument) ?? 512,
                  classes: try c.decodeIfPresent(Int.self, forKey: .classes) ?? 8,
                  topics: try c.decodeIfPresent(Int.self, forKey: .topics) ?? 16,
                  sentencesPerDocument: try c.decodeIfPresent(Double.self, forKey: .sentencesPerDocument) ?? 16)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(language, forKey: .language); try c.encode(seed, forKey: .seed)
        try c.encode(trainBytes, forKey: .trainBytes); try c.encode(valBytes, forKey: .valBytes)
        try c.encode(lexiconSize, forKey: .lexiconSize); try c.encode(zipfExponent, forKey: .zipfExponent)
        try c.encode(wordsPerDocument, forKey: .wordsPerDocument); try c.encode(classes, forKey: .classes)
        try c.encode(topics, forKey: .topics); try c.encode(sentencesPerDocument, forKey: .sentencesPerDocument)
    }

    func validate(file: String) throws {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw ScaleLabError.config(file: file, key: "source.\(key)", reason: reason) }
        }
        try check(trainBytes >= 1 && trainBytes <= 1 << 40, "train_bytes", "must be between 1 and 2^40")
        try check(valBytes >= 1 && valBytes <= 1 << 40, "val_bytes", "must be between 1 and 2^40")
        try check(lexiconSize >= 16 && lexiconSize <= 1 << 18, "lexicon_size", "must be between 16 and 262144")
        try check(zipfExponent > 0 && zipfExponent <= 4, "zipf_exponent", "must lie in (0, 4]")
        try check(wordsPerDocument >= 1, "words_per_document", "must be at least 1")
        try check(classes >= 2 && classes <= 64, "classes", "must be between 2 and 64")
        try check(topics >= 1 && topics <= 4096, "topics", "must be between 1 and 4096")
        try check(sentencesPerDocument >= 1, "sentences_per_document", "must be at least 1")
    }

    /// Builds the language this spec describes (deterministic in `seed`).
    public func makeLanguage() -> any SyntheticLanguage {
        switch language {
        case .zipfUnigram: return ZipfUnigramLanguage(spec: self)
        case .markovGrammar: return MarkovGrammarLanguage(spec: self)
        }
    }

    /// Independent generator streams for structure, train and validation text: SplitMix-expanded
    /// seeds derived from SHA-256("<seed>/<purpose>"), so the splits never share a stream.
    func stream(_ purpose: String) -> SeededRandom {
        var h = SHA256(); h.update(Array("\(seed)/\(purpose)".utf8))
        let d = h.finalize()
        var x: UInt64 = 0
        for i in 0..<8 { x = x << 8 | UInt64(d[i]) }
        return SeededRandom(seed: x)
    }
}

/// An entropy rate in both units.
public struct EntropyRate: Codable, Sendable, Equatable {
    public var natsPerByte: Double
    public var bitsPerByte: Double
    public init(natsPerByte: Double) { self.natsPerByte = natsPerByte; bitsPerByte = natsPerByte / 0.693_147_180_559_945_3 }
    enum CodingKeys: String, CodingKey { case natsPerByte = "nats_per_byte", bitsPerByte = "bits_per_byte" }
}

/// A generator of text whose entropy rate is known exactly.
///
/// Documents are written followed by the end-of-text marker `<|endoftext|>` (by the caller);
/// `entropyRate` counts those 13 bytes, so it is the rate of the prepared text as stored.
/// Converting to a per-token floor for any lossless tokenizer: total information is tokenizer
/// independent, so floor per token = rate per byte × (bytes / tokens) of the same text.
public protocol SyntheticLanguage: Sendable {
    /// lim (1/n) H(X_1..X_n) for the byte stream of concatenated documents.
    var entropyRate: EntropyRate { get }
    /// Expected bytes per document, end-of-text marker included.
    var meanDocumentBytes: Double { get }
    /// Appends one document (without the end-of-text marker) to `out`.
    func writeDocument(to out: OutputBuffer, rng: inout SeededRandom) throws
    /// −ln P(document) under the true generator, parsing the document's bytes back into words
    /// (marker excluded, but its end decision included). Throws if the bytes are not in the language.
    func negativeLogLikelihood(ofDocument bytes: UnsafeRawBufferPointer) throws -> Double
}
