import Foundation
import Support

/// Throughput measurements for the corpus stage (`scalelab corpus bench`, `scripts/bench-corpora.sh`).
///
/// Each figure is the best of `repeats` runs (wall clock, monotonic), so a busy shared machine
/// inflates none of the ratios, which compare two codes measured in the same process:
/// - the alias-table generators against a straightforward reference sampler of the same Zipf
///   unigram distribution (inverse-CDF binary search, words appended to a Swift array);
/// - SHA-256 throughput, to compare with `sha256sum` (done by the script).
public enum CorpusBenchmark {
    public struct Result: Codable, Sendable {
        public var zipfUnigramMBps: Double
        public var markovGrammarMBps: Double
        public var referenceZipfMBps: Double
        public var speedupOverReference: Double
        public var sha256MBps: Double
        enum CodingKeys: String, CodingKey {
            case zipfUnigramMBps = "zipf_unigram_MB_per_s", markovGrammarMBps = "markov_grammar_MB_per_s"
            case referenceZipfMBps = "reference_zipf_MB_per_s", speedupOverReference = "speedup_over_reference"
            case sha256MBps = "sha256_MB_per_s"
        }
    }

    public static func run(megabytes: Int = 64, repeats: Int = 3) throws -> Result {
        let bytes = megabytes << 20
        func best(_ body: () throws -> Int) rethrows -> Double {
            var rate = 0.0
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let produced = try body()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
                rate = max(rate, Double(produced) / seconds / 1e6)
            }
            return rate
        }
        func generate(_ language: any SyntheticLanguage) throws -> Int {
            var total = 0
            let out = OutputBuffer { total += $0.count }
            var rng = SeededRandom(seed: 1)
            while total + out.count < bytes { try language.writeDocument(to: out, rng: &rng); try out.append(endOfText) }
            try out.flush()
            return total
        }
        let zipfSpec = SyntheticSpec(language: .zipfUnigram, seed: 1, trainBytes: 1, valBytes: 1)
        let zipf = zipfSpec.makeLanguage()
        let grammar = SyntheticSpec(language: .markovGrammar, seed: 1, trainBytes: 1, valBytes: 1).makeLanguage()
        let zipfRate = try best { try generate(zipf) }
        let grammarRate = try best { try generate(grammar) }
        let referenceRate = best { referenceZipf(zipfSpec, bytes: bytes / 4) }
        let data = [UInt8](repeating: 0x5A, count: bytes / 2)
        var sink = 0
        let shaRate = best {
            var h = SHA256(); data.withUnsafeBytes { h.update($0) }
            sink &+= Int(h.finalize()[0]); return data.count
        }
        _ = sink
        return Result(zipfUnigramMBps: zipfRate, markovGrammarMBps: grammarRate, referenceZipfMBps: referenceRate,
                      speedupOverReference: zipfRate / referenceRate, sha256MBps: shaRate)
    }

    /// The obvious implementation, as the baseline: the same lexicon and Zipf weights, a CDF
    /// searched by bisection for each word, bytes appended to an array.
    static func referenceZipf(_ spec: SyntheticSpec, bytes: Int) -> Int {
        let language = ZipfUnigramLanguage(spec: spec)
        let words = (0..<language.lexicon.count).map { Array(language.lexicon.word($0)) }
        let weights = zipfWeights(count: words.count, exponent: spec.zipfExponent)
        let total = weights.reduce(0, +)
        var cdf: [Double] = []
        var running = 0.0
        for w in weights { running += w / total; cdf.append(running) }
        var rng = SeededRandom(seed: 1)
        var text: [UInt8] = []
        var inDocument = 0
        while text.count < bytes {
            let u = rng.nextDouble()
            var lo = 0, hi = cdf.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if cdf[mid] < u { lo = mid + 1 } else { hi = mid } }
            text.append(contentsOf: words[lo]); text.append(0x20)
            inDocument += 1
            if inDocument == spec.wordsPerDocument { text.append(contentsOf: endOfText); inDocument = 0 }
        }
        return text.count
    }
}
