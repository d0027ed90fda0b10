import Foundation
import Support
import Testing
import Tokenizer

@Suite struct TrainAndSaveTests {
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
