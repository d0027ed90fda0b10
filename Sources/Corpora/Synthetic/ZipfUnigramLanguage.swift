import Support

/// Words drawn independently from a Zipf distribution over a generated lexicon, each followed
/// by one space; a document is `words_per_document` words, then `<|endoftext|>`.
///
/// Entropy rate (exact). A document D is N words W_1..W_N, i.i.d. with distribution p, written as
/// w_1 ␠ w_2 ␠ … w_N ␠ followed by the 13-byte marker. Words never contain a space or '<', so the
/// map from word sequences to bytes is injective and prefix-free at document level: the bytes
/// determine the words and vice versa, hence H(D) = N·H(W). Documents are i.i.d., so by the
/// renewal-reward theorem (applied to −log P of the first n bytes, Shannon–McMillan–Breiman) the
/// byte-level entropy rate is
///     h = N·H(W) / (N·(E[len W] + 1) + 13)      nats per byte,
/// with H(W) = −Σ p_k ln p_k and E[len W] = Σ p_k len_k. A model that sees the whole current
/// document reaches h; one whose context window starts mid-word pays a little more for the first
/// bytes of each window.
public struct ZipfUnigramLanguage: SyntheticLanguage {
    let lexicon: Lexicon
    let tables: AliasTables
    let words: AliasTables.Ref
    let wordsPerDocument: Int
    let wordIndex: [ArraySlice<UInt8>: Int]
    public let entropyRate: EntropyRate
    public let meanDocumentBytes: Double
    /// H(W) in nats and E[len W] in bytes, exposed for tests and `info`.
    public let wordEntropyNats: Double
    public let meanWordLength: Double

    public init(spec: SyntheticSpec) {
        var rng = spec.stream("structure")
        var lex = Lexicon()
        _ = lex.addWords(spec.lexiconSize, uppercase: false, rng: &rng)
        let tables = AliasTables()
        words = tables.add(weights: zipfWeights(count: spec.lexiconSize, exponent: spec.zipfExponent))
        let p = Array(tables.probabilities(of: words))
        wordEntropyNats = entropyNats(p)
        meanWordLength = zip(p, lex.lengths).reduce(0) { $0 + $1.0 * Double($1.1) }
        wordsPerDocument = spec.wordsPerDocument
        let n = Double(spec.wordsPerDocument)
        meanDocumentBytes = n * (meanWordLength + 1) + Double(endOfText.count)
        entropyRate = EntropyRate(natsPerByte: n * wordEntropyNats / meanDocumentBytes)
        var index: [ArraySlice<UInt8>: Int] = [:]
        for i in 0..<lex.count { index[lex.word(i)] = i }
        wordIndex = index
        lexicon = lex
        self.tables = tables
    }

    public func writeDocument(to out: OutputBuffer, rng: inout SeededRandom) throws {
        var random = rng  // a local copy keeps the hot loop's state in registers
        defer { rng = random }
        try tables.entries.withUnsafeBufferPointer { table in
            try lexicon.slots.withUnsafeBufferPointer { slots in
                try lexicon.lengths.withUnsafeBufferPointer { lengths in
                    var p = out.base + out.count
                    let limit = out.base + out.capacity
                    for _ in 0..<wordsPerDocument {
                        if p >= limit { out.count = p - out.base; try out.flush(); p = out.base }
                        let k = AliasTables.sample(table.baseAddress!, words, random.next())
                        let word = UnsafeRawPointer(slots.baseAddress! + k &* Lexicon.slot).loadUnaligned(as: SIMD16<UInt8>.self)
                        UnsafeMutableRawPointer(p).storeBytes(of: word, as: SIMD16<UInt8>.self)
                        p += lengths[k]
                        p.pointee = 0x20
                        p += 1
                    }
                    out.count = p - out.base
                }
            }
        }
    }

    public func negativeLogLikelihood(ofDocument bytes: UnsafeRawBufferPointer) throws -> Double {
        let probabilities = tables.probabilities(of: words)
        var nll = 0.0, count = 0, start = 0
        for i in 0..<bytes.count where bytes[i] == 0x20 {
            let word = ArraySlice(bytes[start..<i])
            guard let k = wordIndex[word] else {
                throw ScaleLabError.data(path: "document", reason: "byte \(start): '\(String(decoding: word, as: UTF8.self))' is not in the lexicon")
            }
            nll -= log(probabilities[probabilities.startIndex + k]); count += 1; start = i + 1
        }
        guard start == bytes.count, count == wordsPerDocument else {
            throw ScaleLabError.data(path: "document", reason: "expected \(wordsPerDocument) space-terminated words, found \(count)")
        }
        return nll
    }
}

/// The document separator written after every document of every prepared corpus.
public let endOfText: [UInt8] = Array("<|endoftext|>".utf8)

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
