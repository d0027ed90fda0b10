import Foundation
import Testing
import Support
import Tokenizer

@Suite struct FileFormatTests {
    static let text = Array(String(repeating: TrainerTests.text, count: 4).utf8)

    @Test func savedFilesLoadBackToTheSameTokenizerInBothFormats() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try BPETokenizer.train(texts: [Self.text], vocabSize: 500, specialTokens: ["<|endoftext|>", "<pad>"])
        try t.save(to: dir)
        #expect(fileNames(dir) == ["tokenizer.json", "vocab.json", "merges.txt"])
        let probe = Self.text + Array("<pad> naïve \u{FF}<|endoftext|>".utf8) + [0xFF, 0xC3]
        for url in [dir, dir.appendingPathComponent("tokenizer.json"), dir.appendingPathComponent("vocab.json")] {
            let loaded = try BPETokenizer.load(from: url)
            #expect(loaded.vocabSize == t.vocabSize)
            #expect(loaded.merges == t.merges, "\(url.lastPathComponent)")
            #expect(loaded.specialTokens == t.specialTokens, "\(url.lastPathComponent)")
            #expect(loaded.encode(probe) == t.encode(probe))
            #expect(try loaded.decode(loaded.encode(probe)) == probe)
        }
    }

    @Test func tokenizerJSONHasTheHuggingFaceStructure() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try BPETokenizer.train(texts: [Self.text], vocabSize: 300)
        try t.save(to: dir)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tokenizer.json"))) as! [String: Any]
        let model = json["model"] as! [String: Any]
        #expect(model["type"] as? String == "BPE")
        #expect((json["pre_tokenizer"] as! [String: Any])["type"] as? String == "ByteLevel")
        #expect((json["decoder"] as! [String: Any])["type"] as? String == "ByteLevel")
        let vocab = model["vocab"] as! [String: Int]
        #expect(vocab.count == 300)
        #expect(vocab["Ġ"] == 32 && vocab["Ċ"] == 10 && vocab["!"] == 33 && vocab["<|endoftext|>"] == 299)
        let merges = model["merges"] as! [String]
        #expect(merges.count == t.merges.count)
        let added = json["added_tokens"] as! [[String: Any]]
        #expect(added.count == 1 && added[0]["id"] as? Int == 299 && added[0]["special"] as? Bool == true)
    }

    /// A GPT-2 style pair written by hand: special token first (as Hugging Face's trainer puts it),
    /// bytes in byte-level character order, merges using byte-level strings.
    @Test func loadsGPT2FilesWithForeignIdLayout() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var entries = ["\"<|endoftext|>\": 0"]
        let alphabet = (0..<256).map { b -> String in
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            return printable ? String(UnicodeScalar(UInt8(b))) : ""
        }
        // Build the byte-level characters of the 68 non-printable bytes the GPT-2 way.
        var chars = alphabet
        var next = 256
        for b in 0..<256 where chars[b].isEmpty { chars[b] = String(UnicodeScalar(UInt32(next))!); next += 1 }
        let order = (0..<256).sorted { chars[$0].unicodeScalars.first!.value < chars[$1].unicodeScalars.first!.value }
        for (i, b) in order.enumerated() {
            let escaped = chars[b] == "\"" ? "\\\"" : chars[b] == "\\" ? "\\\\" : chars[b]
            entries.append("\"\(escaped)\": \(i + 1)")
        }
        entries += ["\"Ġt\": 257", "\"he\": 258", "\"Ġthe\": 259"]
        try ("{" + entries.joined(separator: ", ") + "}").write(to: dir.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8)
        try "#version: 0.2\nĠ t\nh e\nĠt he\n".write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        let t = try BPETokenizer.load(from: dir)
        #expect(t.vocabSize == 260)
        #expect(t.specialTokens == [.init(content: "<|endoftext|>", id: 0)])
        let ids = t.encodeText("a the<|endoftext|>")
        #expect(ids == [UInt32(order.firstIndex(of: 0x61)! + 1), 259, 0])
        #expect(try t.decodeText(ids) == "a the<|endoftext|>")
    }

    @Test func corruptFilesGiveErrorsNamingTheFile() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try BPETokenizer.train(texts: [Self.text], vocabSize: 300)
        try t.save(to: dir)
        let file = dir.appendingPathComponent("tokenizer.json")
        let good = try String(contentsOf: file, encoding: .utf8)
        let corruptions = [
            String(good.prefix(good.count / 2)),                                  // truncated JSON
            good.replacingOccurrences(of: "\"type\": \"BPE\"", with: "\"type\": \"WordPiece\""),
            good.replacingOccurrences(of: "\"Ġ\": 32,", with: ""),                // a byte missing
            good.replacingOccurrences(of: "\"merges\": [", with: "\"merges\": [\"zz qq\", "),
        ]
        for (i, bad) in corruptions.enumerated() {
            try bad.write(to: file, atomically: true, encoding: .utf8)
            do {
                _ = try BPETokenizer.load(from: file)
                Issue.record("corruption \(i) was accepted")
            } catch let error as ScaleLabError {
                #expect(error.description.contains("tokenizer.json"), "corruption \(i): \(error)")
            }
        }
        #expect(throws: ScaleLabError.self) { try BPETokenizer.load(from: dir.appendingPathComponent("missing")) }
    }
}
