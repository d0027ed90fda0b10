import Foundation
import Testing
import Support
import Tokenizer

@Suite struct ShardEncoderTests {
    static let tokenizer = EncodeDecodeTests.tokenizer

    @Test(arguments: [1, 7, 64, 1000, 1 << 20])
    func streamingEncodeEqualsWholeEncodeForAnyChunkSize(chunk: Int) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRandom(seed: UInt64(chunk))
        // Text with long whitespace runs, specials, invalid bytes and a long word without spaces.
        var bytes: [UInt8] = []
        let pieces = ["the fox ", "  ", "\n\n ", "<|endoftext|>", "don't", " 42", "\u{FF}", "é", String(repeating: "x", count: 300), "\t"]
        for _ in 0..<800 { bytes += Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8) }
        bytes += [0xC3, 0x28, 0xFF]
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.bin")
        try Data(bytes).write(to: input)
        var calls = 0
        let summary = try Self.tokenizer.encodeFile(input: input, output: output, threads: 2, chunkBytes: chunk) { p in
            calls += 1
            #expect(p.bytesDone <= p.bytesTotal)
        }
        let expected = Self.tokenizer.encode(bytes)
        #expect(try Self.tokenizer.readShard(output) == expected)
        #expect(summary.tokens == expected.count && summary.dtype == "uint16" && summary.bytes == bytes.count)
        #expect(calls >= 1)
        #expect(try Data(contentsOf: output).count == expected.count * 2)
        #expect(fileNames(dir) == ["in.txt", "out.bin", "out.bin.json"])
        let decoded = dir.appendingPathComponent("back.txt")
        try Self.tokenizer.decodeFile(input: output, output: decoded)
        #expect(try [UInt8](Data(contentsOf: decoded)) == bytes)
    }

    @Test func largeVocabulariesWriteUInt32() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 65,537 ids: 256 bytes, 65,280 made-up two-byte tokens with merges, one special.
        var tokens: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        var merges: [(UInt32, UInt32)] = []
        for a in 0..<256 { for b in 0..<256 where tokens.count < 65536 { tokens.append([UInt8(a), UInt8(b)]); merges.append((UInt32(a), UInt32(b))) } }
        tokens.append(Array("<|endoftext|>".utf8))
        let t = try BPETokenizer(tokens: tokens, merges: merges, specialTokens: [.init(content: "<|endoftext|>", id: 65536)])
        #expect(t.shardDType == "uint32")
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.bin")
        try Data("zz zz<|endoftext|>".utf8).write(to: input)
        try t.encodeFile(input: input, output: output)
        #expect(try t.readShard(output) == t.encodeText("zz zz<|endoftext|>"))
        #expect(try t.readShard(output).last == 65536)
        #expect(try Data(contentsOf: output).count == 4 * t.encodeText("zz zz<|endoftext|>").count)
    }

    @Test func badInputsLeaveNoOutput() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.txt"), output = dir.appendingPathComponent("out.bin")
        try Data().write(to: empty)
        #expect(throws: ScaleLabError.self) { try Self.tokenizer.encodeFile(input: empty, output: output) }
        #expect(throws: ScaleLabError.self) { try Self.tokenizer.encodeFile(input: dir.appendingPathComponent("nope.txt"), output: output) }
        #expect(fileNames(dir) == ["empty.txt"])
        // Decoding a shard holding an id outside the vocabulary fails and writes nothing.
        let shard = dir.appendingPathComponent("bad.bin")
        try Data([1, 0, 0xFF, 0xFF]).write(to: shard)
        #expect(throws: ScaleLabError.self) { try Self.tokenizer.decodeFile(input: shard, output: dir.appendingPathComponent("back.txt")) }
        #expect(fileNames(dir) == ["empty.txt", "bad.bin"])
    }

    @Test func trainAndSaveRejectsBadInputWithoutWritingAnything() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("t.txt"), empty = dir.appendingPathComponent("e.txt"), out = dir.appendingPathComponent("tok")
        try Data(TrainerTests.text.utf8).write(to: text)
        try Data().write(to: empty)
        #expect(throws: ScaleLabError.self) { try BPETokenizer.trainAndSave(files: [text], vocabSize: 256, to: out) }
        #expect(throws: ScaleLabError.self) { try BPETokenizer.trainAndSave(files: [text, empty], vocabSize: 300, to: out) }
        #expect(throws: ScaleLabError.self) { try BPETokenizer.trainAndSave(files: [dir.appendingPathComponent("missing")], vocabSize: 300, to: out) }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let summary = try BPETokenizer.trainAndSave(files: [text], vocabSize: 300, to: out)
        #expect(summary.vocab_size == 300)
        #expect(fileNames(out) == ["tokenizer.json", "vocab.json", "merges.txt"])
    }
}
