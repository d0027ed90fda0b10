import Foundation
import Testing
import Tokenizer

@Suite struct StatisticsTests {
    @Test func entropyAndRatiosOfAKnownDistribution() {
        // Four ids, two of them once and one twice: H = -(2·¼ ln ¼ + ½ ln ½) = 1.5 ln 2.
        let s = TokenStatistics(ids: [3, 5, 7, 7], vocabSize: 10, bytes: 10, characters: 8)
        #expect(abs(s.unigramEntropyNats - 1.5 * log(2.0)) < 1e-12)
        #expect(abs(s.unigramEntropyBits - 1.5) < 1e-12)
        #expect(s.bytesPerToken == 2.5 && s.charactersPerToken == 2 && s.distinctTokens == 3)
    }

    @Test func statisticsOfAText() throws {
        let t = EncodeDecodeTests.tokenizer
        let text = Array("héllo wörld, the fox".utf8) + [0xFF]
        let s = t.statistics(of: text)
        let ids = t.encode(text)
        #expect(s.tokens == ids.count && s.bytes == text.count)
        #expect(s.characters == 21)  // 20 scalars + one invalid byte
        #expect(s.bytesPerToken > 1)
        // Byte-level tokens only: one id per byte, so bytes per token is exactly 1.
        let bytesOnly = try BPETokenizer.train(texts: [Array("ab".utf8)], vocabSize: 257)
        #expect(bytesOnly.statistics(of: Array("abab".utf8)).bytesPerToken == 1)
        #expect(abs(bytesOnly.statistics(of: Array("abab".utf8)).unigramEntropyBits - 1) < 1e-12)
    }
}
