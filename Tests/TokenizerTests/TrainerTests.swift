import Testing
import Support
import Tokenizer

@Suite struct TrainerTests {
    static let text = """
        The quick brown fox jumps over the lazy dog. The dog barks; the fox runs away, and the \
        other dogs don't follow. "It's over," said the fox, "we'll see." 1234 + 5678 = 6912!
        Ünïcödé wörds and 東京 and emoji 😀😀 repeat: aaaa aaaa aaaaa bbbb abab abab.
        """

    private func mergeBytes(_ t: BPETokenizer) -> [([UInt8], [UInt8])] {
        t.merges.map { (t.tokenBytes($0.left)!, t.tokenBytes($0.right)!) }
    }

    @Test func matchesRecountPerMergeReferenceMergeForMerge() throws {
        let bytes = Array(Self.text.utf8)
        let t = try BPETokenizer.train(texts: [bytes], vocabSize: 400, specialTokens: [])
        let reference = referenceMerges(words: Pretokenizer.countPretokens([bytes]), tokenLimit: 400)
        let got = mergeBytes(t)
        #expect(got.count == reference.count)
        #expect(got.count > 50)
        for (i, (g, r)) in zip(got, reference).enumerated() {
            #expect(g == r, "merge \(i) differs")
            if g != r { break }
        }
    }

    @Test func matchesReferenceOnRandomTexts() throws {
        var rng = SeededRandom(seed: 7)
        let syllables = ["a", "b", "ab", "ba", " ", "  ", "\n", "x", "é", "'s", "1", ".", "\u{FF}"]
        for round in 0..<25 {
            var bytes: [UInt8] = []
            for _ in 0..<(50 + Int(rng.next() % 400)) { bytes += Array(syllables[Int(rng.next() % UInt64(syllables.count))].utf8) }
            if round % 3 == 0 { bytes.append(0xFE) }  // invalid UTF-8 too
            let limit = 256 + 1 + Int(rng.next() % 60)
            let t = try BPETokenizer.train(texts: [bytes], vocabSize: limit, specialTokens: ["<s>"], threads: 1 + round % 2)
            let reference = referenceMerges(words: Pretokenizer.countPretokens([bytes]), tokenLimit: limit - 1)
            #expect(mergeBytes(t).map { $0.0 + [0] + $0.1 } == reference.map { $0.0 + [0] + $0.1 }, "round \(round)")
        }
    }

    @Test func layoutIsBytesThenMergesThenSpecials() throws {
        let t = try BPETokenizer.train(texts: [Array(Self.text.utf8)], vocabSize: 300, specialTokens: ["<|endoftext|>", "<pad>"])
        #expect(t.vocabSize == 300)
        for b in 0..<256 { #expect(t.tokenBytes(UInt32(b)) == [UInt8(b)]) }
        #expect(t.specialTokens.map(\.id) == [298, 299])
        #expect(t.tokenBytes(298) == Array("<|endoftext|>".utf8))
        #expect(t.merges.allSatisfy { $0.result >= 256 && $0.result < 298 })
    }

    @Test func sameInputGivesSameMergesWithAnyThreadCount() throws {
        let text = Array(String(repeating: Self.text, count: 40).utf8)
        let one = try BPETokenizer.train(texts: [text], vocabSize: 600, threads: 1)
        let two = try BPETokenizer.train(texts: [text], vocabSize: 600, threads: 2)
        #expect(one.merges == two.merges)
    }

    @Test func specialTokensInTrainingTextAreCutOut() throws {
        let text = Array(String(repeating: "<|endoftext|>ab ab", count: 50).utf8)
        let t = try BPETokenizer.train(texts: [text], vocabSize: 270)
        #expect(!mergeBytes(t).contains { $0.0.contains(UInt8(ascii: "|")) || $0.1.contains(UInt8(ascii: "|")) })
    }

    @Test func rejectsBadArguments() {
        #expect(throws: ScaleLabError.self) { try BPETokenizer.train(texts: [Array("abc".utf8)], vocabSize: 256) }
        #expect(throws: ScaleLabError.self) { try BPETokenizer.train(texts: [[]], vocabSize: 300) }
        #expect(throws: ScaleLabError.self) { try BPETokenizer.train(texts: [Array("abc".utf8)], vocabSize: 300, specialTokens: ["x", "x"]) }
    }
}
