import Foundation
import Shards
import Support
import Testing
import Tokenizer

let sampleText = """
    The quick brown fox jumps over the lazy dog. The dog barks; the fox runs away, and the \
    other dogs don't follow. "It's over," said the fox, "we'll see." 1234 + 5678 = 6912!
    Ünïcödé wörds and 東京 and emoji 😀😀 repeat: aaaa aaaa aaaaa bbbb abab abab.
    """

func fileNames(_ dir: URL) -> Set<String> {
    Set((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
}

@Suite struct ShardWriterTests {
    static let tokenizer: BPETokenizer = try! BPETokenizer.train(
        texts: [Array(String(repeating: sampleText, count: 3).utf8)], vocabSize: 420)

    @Test(arguments: [1, 7, 64, 1000, 1 << 20])
    func streamingEncodeEqualsWholeEncodeForAnyChunkSize(chunk: Int) throws {
        let dir = makeTemporaryDirectory("writer")
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
        let summary = try ShardWriter.encode(input: input, output: output, encoding: .bpe(Self.tokenizer), threads: 2,
                                             chunkBytes: chunk, progress: { p in
            calls += 1
            #expect(p.bytesDone <= p.bytesTotal)
        })
        let expected = Self.tokenizer.encode(bytes)
        #expect(try TokenShard(path: output.path).ids() == expected)
        #expect(summary.tokens == expected.count && summary.dtype == .uint16 && summary.bytes == bytes.count)
        #expect(summary.tokenizer == Self.tokenizer.identity)
        #expect(calls >= 1)
        #expect(try Data(contentsOf: output).count == expected.count * 2)
        #expect(fileNames(dir) == ["in.txt", "out.bin", "out.bin.json"])
        let decoded = dir.appendingPathComponent("back.txt")
        try ShardWriter.decode(input: output, tokenizer: Self.tokenizer, output: decoded)
        #expect(try [UInt8](Data(contentsOf: decoded)) == bytes)
    }

    @Test func largeVocabulariesWriteUInt32() throws {
        let dir = makeTemporaryDirectory("writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 65,537 ids: 256 bytes, 65,280 made-up two-byte tokens with merges, one special.
        var tokens: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        var merges: [(UInt32, UInt32)] = []
        for a in 0..<256 { for b in 0..<256 where tokens.count < 65536 { tokens.append([UInt8(a), UInt8(b)]); merges.append((UInt32(a), UInt32(b))) } }
        tokens.append(Array("<|endoftext|>".utf8))
        let t = try BPETokenizer(tokens: tokens, merges: merges, specialTokens: [.init(content: "<|endoftext|>", id: 65536)])
        #expect(TokenDType.forVocabulary(t.vocabSize) == .uint32)
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.bin")
        try Data("zz zz<|endoftext|>".utf8).write(to: input)
        try ShardWriter.encode(input: input, output: output, encoding: .bpe(t))
        #expect(try TokenShard(path: output.path).ids() == t.encodeText("zz zz<|endoftext|>"))
        #expect(try TokenShard(path: output.path).ids().last == 65536)
        #expect(try Data(contentsOf: output).count == 4 * t.encodeText("zz zz<|endoftext|>").count)
    }

    @Test func badInputsLeaveNoOutput() throws {
        let dir = makeTemporaryDirectory("writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.txt"), output = dir.appendingPathComponent("out.bin")
        try Data().write(to: empty)
        #expect(throws: ScaleLabError.self) { try ShardWriter.encode(input: empty, output: output, encoding: .bpe(Self.tokenizer)) }
        #expect(throws: ScaleLabError.self) { try ShardWriter.encode(input: dir.appendingPathComponent("nope.txt"), output: output, encoding: .bytes) }
        #expect(fileNames(dir) == ["empty.txt"])
        // Decoding a shard holding an id outside the vocabulary fails and writes nothing.
        let shard = dir.appendingPathComponent("bad.bin")
        try Data([1, 0, 0xFF, 0xFF]).write(to: shard)
        #expect(throws: ScaleLabError.self) { try ShardWriter.decode(input: shard, tokenizer: Self.tokenizer, output: dir.appendingPathComponent("back.txt")) }
        #expect(fileNames(dir) == ["empty.txt", "bad.bin"])
    }

    /// A file encoded as bytes holds exactly its bytes, at any chunk size and thread count.
    @Test(arguments: [1, 3, 1 << 20])
    func byteEncodingIsTheIdentity(chunk: Int) throws {
        let dir = makeTemporaryDirectory("bytes"); defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.bin")
        try Data(bytes).write(to: input)
        let sidecar = try ShardWriter.encode(input: input, output: output, encoding: .bytes, threads: 2, chunkBytes: chunk)
        #expect(sidecar.tokenizer == "bytes" && sidecar.vocabSize == 256 && sidecar.tokens == 5000 && sidecar.bytes == 5000)
        #expect(try TokenShard(path: output.path).ids() == bytes.map(UInt32.init))
    }
}
