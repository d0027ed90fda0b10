import Testing
import Support
import Tokenizer

@Suite struct EncodeDecodeTests {
    static let tokenizer: BPETokenizer = try! BPETokenizer.train(
        texts: [Array(String(repeating: TrainerTests.text, count: 3).utf8)], vocabSize: 420)

    @Test func roundTripsThousandsOfRandomByteStrings() throws {
        var rng = SeededRandom(seed: 11)
        let t = Self.tokenizer
        for i in 0..<3000 {
            let n = Int(rng.next() % 80)
            let bytes: [UInt8] = (0..<n).map { _ in
                // Mix fully random bytes with text-like ones so merges apply too.
                i % 2 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : Array(" theaxdog.'\n".utf8)[Int(rng.next() % 12)]
            }
            let ids = t.encode(bytes)
            #expect(try t.decode(ids) == bytes)
        }
    }

    @Test func roundTripsRandomUnicodeText() throws {
        var rng = SeededRandom(seed: 12)
        let t = Self.tokenizer
        for _ in 0..<1000 {
            var s = ""
            for _ in 0..<Int(rng.next() % 30) {
                let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x24F, 0x3040...0x30FF, 0x1F600...0x1F64F, 0x9...0xD]
                let r = ranges[Int(rng.next() % UInt64(ranges.count))]
                s.unicodeScalars.append(Unicode.Scalar(r.lowerBound + UInt32(rng.next() % UInt64(r.count)))!)
            }
            #expect(try t.decodeText(t.encodeText(s)) == s)
        }
    }

    @Test func mergesApplyAndSpecialTokensAreRecognisedWhenEnabled() throws {
        let t = Self.tokenizer
        let text = "the fox<|endoftext|>the dog"
        let ids = t.encodeText(text)
        #expect(ids.count < text.utf8.count - 10)
        #expect(ids.contains(t.specialTokenID("<|endoftext|>")!))
        let plain = t.encodeText(text, allowSpecial: false)
        #expect(!plain.contains(t.specialTokenID("<|endoftext|>")!))
        #expect(try t.decodeText(plain) == text)
    }

    @Test func callerBufferVersionMatches() {
        let t = Self.tokenizer
        let bytes = Array(TrainerTests.text.utf8)
        var out = [UInt32](repeating: 0, count: bytes.count)
        let n = bytes.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { t.encode(b, into: $0) } }
        #expect(Array(out[..<n]) == t.encode(bytes))
        // A reused session (warm cache) gives the same ids as fresh ones.
        let session = BPEEncodingSession(t)
        for text in [bytes, Array(bytes.reversed()), bytes] { #expect(session.encode(text) == t.encode(text)) }
    }

    @Test func encodingEqualsNaiveMergeByRank() {
        // Independent check of the merge loop: apply merges in rank order, each everywhere.
        let t = Self.tokenizer
        let bytes = Array(TrainerTests.text.utf8)
        var expected: [UInt32] = []
        for r in Pretokenizer.split(bytes) {
            var symbols = bytes[r].map { UInt32($0) }
            for m in t.merges {
                var out: [UInt32] = []
                var i = 0
                while i < symbols.count {
                    if i + 1 < symbols.count && symbols[i] == m.left && symbols[i + 1] == m.right { out.append(m.result); i += 2 } else { out.append(symbols[i]); i += 1 }
                }
                symbols = out
            }
            expected += symbols
        }
        #expect(t.encode(bytes, allowSpecial: false) == expected)
    }

    @Test func decodeRejectsOutOfRangeIds() {
        #expect(throws: ScaleLabError.self) { try Self.tokenizer.decode([1, 2, 420]) }
    }
}
