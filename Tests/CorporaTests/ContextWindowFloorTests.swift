import Foundation
import Support
import Testing
@testable import Corpora

@Suite struct ContextWindowFloorTests {
    let spec = SyntheticSpec(language: .zipfUnigram, seed: 5, trainBytes: 1, valBytes: 1, lexiconSize: 24, zipfExponent: 1.1, wordsPerDocument: 20)

    private func sample(_ language: ZipfUnigramLanguage, seed: UInt64, documents: Int) throws -> [UInt8] {
        var text: [UInt8] = []
        let out = OutputBuffer(capacity: 1 << 16) { text += $0 }
        var rng = SeededRandom(seed: seed)
        for _ in 0..<documents {
            try language.writeDocument(to: out, rng: &rng)
            try out.append(endOfText)
        }
        try out.flush()
        return text
    }

    /// From a unit boundary, the forward algorithm must give each document exactly the generator's
    /// probability (words and their count), with the marker's constant hazard in place of the fixed
    /// document length.
    @Test func documentFromABoundaryScoresAsTheGenerator() throws {
        let language = ZipfUnigramLanguage(spec: spec)
        let floor = ContextWindowFloor(language: language)
        let units = language.renewalUnits
        let q = 1 / Double(spec.wordsPerDocument + 1)
        let text = try sample(language, seed: 3, documents: 1)
        let document = Array(text.dropLast(endOfText.count))
        let generator = try document.withUnsafeBytes { try language.negativeLogLikelihood(ofDocument: $0) }
        let expected = generator - Double(spec.wordsPerDocument) * log(1 - q) - log(q)
        let firstByte = units.filter { $0.bytes[0] == text[0] }.reduce(0) { $0 + $1.probability }
        let conditional = try text.withUnsafeBytes { try floor.conditionalNegativeLogLikelihood($0, from: .unitBoundary) }
        #expect(abs(conditional - log(firstByte) - expected) < 1e-9 * expected, "\(conditional - log(firstByte)) vs \(expected)")
    }

    /// With one byte of context the floor is the stationary conditional entropy H(X₁ | X₀), computed
    /// here independently from the units' byte pairs (within a unit, and across a boundary).
    @Test func oneByteContextIsTheStationaryBigramEntropy() throws {
        let language = ZipfUnigramLanguage(spec: spec)
        let floor = ContextWindowFloor(language: language)
        let units = language.renewalUnits
        let meanLength = units.reduce(0) { $0 + $1.probability * Double($1.bytes.count) }
        var pair = [Double](repeating: 0, count: 256 * 256)
        for u in units {
            for j in 0..<(u.bytes.count - 1) { pair[Int(u.bytes[j]) * 256 + Int(u.bytes[j + 1])] += u.probability / meanLength }
            for v in units { pair[Int(u.bytes.last!) * 256 + Int(v.bytes[0])] += u.probability * v.probability / meanLength }
        }
        var expected = 0.0, viaFloor = 0.0
        for a in 0..<256 {
            let pa = (0..<256).reduce(0) { $0 + pair[a * 256 + $1] }
            for b in 0..<256 where pair[a * 256 + b] > 0 {
                let p = pair[a * 256 + b]
                expected -= p * log(p / pa)
                viaFloor += p * (try [UInt8(a), UInt8(b)].withUnsafeBytes { try floor.conditionalNegativeLogLikelihood($0) })
            }
        }
        #expect(abs(viaFloor - expected) < 1e-12, "\(viaFloor) vs \(expected)")
    }

    /// The floor falls as the context grows, stays above what the whole past buys (the generator's
    /// own score of the same text), and approaches it for long windows. Long documents, so that the
    /// marker's position, which no window reveals, costs little (about 0.3% here).
    @Test func floorFallsTowardTheRateWithContext() throws {
        var longDocuments = spec
        longDocuments.wordsPerDocument = 1000
        let language = ZipfUnigramLanguage(spec: longDocuments)
        let floor = ContextWindowFloor(language: language)
        let text = try sample(language, seed: 8, documents: 30)
        let rate = try text.withUnsafeBytes { try SyntheticScoring.negativeLogLikelihood(of: $0, language: language) }
        let truth = rate.nats / Double(rate.bytes)
        var previous = Double.infinity
        var floors: [Int: Double] = [:]
        for context in [4, 16, 64, 512] {
            let offsets = (0..<200).map { (text.count - context - 1) * $0 / 199 }
            let f = try text.withUnsafeBytes { try floor.meanLoss(text: $0, offsets: offsets, context: context, name: "sample") }
            #expect(f < previous, "context \(context): \(f) is not below \(previous)")
            previous = f; floors[context] = f
        }
        #expect(floors[16]! > truth * 1.05, "a 16-byte window must cost clearly more than the rate: \(floors[16]!) vs \(truth)")
        #expect(abs(floors[512]! - truth) / truth < 0.02, "512-byte windows: \(floors[512]!) vs \(truth)")
    }

    @Test func bytesOutsideTheLanguageAreNamed() throws {
        let language = ZipfUnigramLanguage(spec: spec)
        let floor = ContextWindowFloor(language: language)
        var text = try sample(language, seed: 2, documents: 2)
        text[40] = UInt8(ascii: "!")
        #expect(throws: ScaleLabError.self) {
            try text.withUnsafeBytes { try floor.meanLoss(text: $0, offsets: [0], context: 100, name: "sample") }
        }
        do {
            _ = try text.withUnsafeBytes { try floor.meanLoss(text: $0, offsets: [0], context: 100, name: "sample") }
        } catch let ScaleLabError.data(path, reason) {
            #expect(path == "sample")
            #expect(reason.contains("window at byte 0") && reason.contains("byte 40"), "\(reason)")
        }
        #expect(throws: ScaleLabError.self) {
            try text.withUnsafeBytes { try floor.meanLoss(text: $0, offsets: [text.count - 10], context: 100, name: "sample") }
        }
    }
}
