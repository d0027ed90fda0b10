import Foundation
import Support
import Testing
@testable import Corpora

@Suite struct SyntheticLanguageTests {
    /// Generates whole documents (each followed by the marker) until `bytes` are reached.
    private func sample(_ language: any SyntheticLanguage, seed: UInt64, bytes: Int) throws -> [UInt8] {
        var text: [UInt8] = []
        let out = OutputBuffer(capacity: 1 << 16) { text += $0 }
        var rng = SeededRandom(seed: seed)
        while text.count + out.count < bytes {
            try language.writeDocument(to: out, rng: &rng)
            try out.append(endOfText)
        }
        try out.flush()
        return text
    }

    /// Empirical −ln P per byte under the true generator, with its standard error from the
    /// per-document ratio estimator (documents are i.i.d.).
    private func empiricalRate(_ language: any SyntheticLanguage, _ text: [UInt8]) throws -> (rate: Double, standardError: Double) {
        var perDocument: [(nats: Double, bytes: Double)] = []
        var start = 0
        let marker = endOfText
        try text.withUnsafeBytes { raw in
            var i = 0
            while i + marker.count <= raw.count {
                if raw[i] == 0x3C, Array(raw[i..<(i + marker.count)]) == marker {
                    let nats = try language.negativeLogLikelihood(ofDocument: UnsafeRawBufferPointer(rebasing: raw[start..<i]))
                    i += marker.count
                    perDocument.append((nats, Double(i - start)))
                    start = i
                } else { i += 1 }
            }
        }
        let n = Double(perDocument.count)
        let totalNats = perDocument.reduce(0) { $0 + $1.nats }, totalBytes = perDocument.reduce(0) { $0 + $1.bytes }
        let rate = totalNats / totalBytes
        let meanBytes = totalBytes / n
        let variance = perDocument.reduce(0) { $0 + pow($1.nats - rate * $1.bytes, 2) } / (n - 1)
        return (rate, (variance / n).squareRoot() / meanBytes)
    }

    /// The acceptance test: over a long sample the likelihood under the true generator
    /// matches the computed entropy rate. Tolerance: 4 standard errors of the estimate, and the
    /// test also demands the estimate be precise (standard error below 0.25 % of the rate), so the
    /// 4σ band is itself tight.
    @Test(arguments: [SyntheticSpec.Language.zipfUnigram, .markovGrammar])
    func likelihoodUnderTrueGeneratorMatchesEntropyRate(_ kind: SyntheticSpec.Language) throws {
        let spec = SyntheticSpec(language: kind, seed: 7, trainBytes: 1, valBytes: 1)
        let language = spec.makeLanguage()
        let text = try sample(language, seed: 99, bytes: 6_000_000)
        let (rate, se) = try empiricalRate(language, text)
        let exact = language.entropyRate.natsPerByte
        #expect(se / exact < 0.0025, "estimate too noisy to be a tight test: se \(se)")
        #expect(abs(rate - exact) < 4 * se, "empirical \(rate) vs exact \(exact) nats/byte (se \(se))")
        #expect(abs(language.entropyRate.bitsPerByte - exact / log(2)) < 1e-12)
        print("\(kind.rawValue): exact \(exact) nats/byte, empirical \(rate) ± \(se), |diff|/exact = \(abs(rate - exact) / exact)")
    }

    /// Mean document length from the formula against the sample (checks the byte accounting
    /// independently of the likelihood).
    @Test(arguments: [SyntheticSpec.Language.zipfUnigram, .markovGrammar])
    func meanDocumentBytesMatchesSample(_ kind: SyntheticSpec.Language) throws {
        let language = SyntheticSpec(language: kind, seed: 3, trainBytes: 1, valBytes: 1).makeLanguage()
        let text = try sample(language, seed: 5, bytes: 3_000_000)
        var documents = 0, i = 0
        while let r = text[i...].firstIndex(of: 0x3C) { documents += 1; i = r + endOfText.count }
        let empirical = Double(text.count) / Double(documents)
        // Document lengths: zipf fixed word count (sd small); grammar geometric sentences (sd ≈ mean).
        #expect(abs(empirical - language.meanDocumentBytes) / language.meanDocumentBytes < 0.03,
                "empirical \(empirical) vs \(language.meanDocumentBytes)")
    }

    /// For a tiny Zipf lexicon the rate is recomputed here from first principles.
    @Test func zipfRateFromFirstPrinciples() {
        let spec = SyntheticSpec(language: .zipfUnigram, seed: 11, trainBytes: 1, valBytes: 1, lexiconSize: 16, zipfExponent: 1, wordsPerDocument: 10)
        let language = ZipfUnigramLanguage(spec: spec)
        let weights = (1...16).map { 1.0 / Double($0) }
        let z = weights.reduce(0, +)
        let h = -weights.map { $0 / z }.reduce(0) { $0 + $1 * log($1) }
        let meanLength = (0..<16).reduce(0.0) { $0 + weights[$1] / z * Double(language.lexicon.lengths[$1]) }
        #expect(abs(language.entropyRate.natsPerByte - 10 * h / (10 * (meanLength + 1) + 13)) < 1e-12)
    }

    @Test func generationIsDeterministicInTheSeed() throws {
        for kind in SyntheticSpec.Language.allCases {
            let a = try sample(SyntheticSpec(language: kind, seed: 1, trainBytes: 1, valBytes: 1).makeLanguage(), seed: 2, bytes: 100_000)
            let b = try sample(SyntheticSpec(language: kind, seed: 1, trainBytes: 1, valBytes: 1).makeLanguage(), seed: 2, bytes: 100_000)
            let c = try sample(SyntheticSpec(language: kind, seed: 9, trainBytes: 1, valBytes: 1).makeLanguage(), seed: 2, bytes: 100_000)
            #expect(a == b)
            #expect(a != c)
        }
    }

    @Test func scorerRejectsTextOutsideTheLanguage() throws {
        let language = SyntheticSpec(language: .markovGrammar, seed: 1, trainBytes: 1, valBytes: 1).makeLanguage()
        var text = try sample(language, seed: 4, bytes: 10_000)
        text[text.count / 2] = UInt8(ascii: "!")
        #expect(throws: ScaleLabError.self) {
            _ = try text.withUnsafeBytes { try SyntheticScoring.negativeLogLikelihood(of: $0, language: language) }
        }
    }

    /// The grammar's topics carry real long-range information: a document's words are much
    /// more likely under its own topic than under another one.
    @Test func topicsShiftWordChoice() throws {
        let language = MarkovGrammarLanguage(spec: SyntheticSpec(language: .markovGrammar, seed: 1, trainBytes: 1, valBytes: 1))
        let text = try sample(language, seed: 8, bytes: 200_000)
        let first = Array(text[..<text.firstIndex(of: 0x3C)!])
        let header = first.firstIndex(of: 0x0A)!
        let own = try first.withUnsafeBytes { try language.negativeLogLikelihood(ofDocument: $0) }
        // Same body under a different header (topic).
        let otherHeader = language.lexicon.word(language.headerBase + (language.wordIndex[ArraySlice(first[..<header])]! - language.headerBase + 1) % language.topicCount)
        let swapped = Array(otherHeader) + Array(first[header...])
        let other = try swapped.withUnsafeBytes { try language.negativeLogLikelihood(ofDocument: $0) }
        #expect(other > own + 20, "own topic \(own) nats, other topic \(other) nats")
    }
}
