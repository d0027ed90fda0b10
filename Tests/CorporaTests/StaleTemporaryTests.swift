import Foundation
import Testing
@testable import Corpora

/// An interrupted `corpus prepare` (killed while building its entry) must not leave its temporary
/// directory in the cache forever: the next build removes it once its process is gone, and leaves
/// alone those of processes that still run.
@Suite struct StaleTemporaryTests {
    @Test func theNextBuildRemovesTemporaryDirectoriesOfDeadProcessesOnly() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-stale-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = CorpusCache(root: root)
        let tmp = root.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let killed = Process()
        killed.executableURL = URL(fileURLWithPath: "/bin/sh"); killed.arguments = ["-c", "exit 0"]
        try killed.run(); killed.waitUntilExit()
        let dead = "abc123.\(killed.processIdentifier).42.\(CorpusCache.hostTag)"
        let alive = "abc123.1.43.\(CorpusCache.hostTag)"
        let otherHost = "abc123.\(killed.processIdentifier).44.elsewhere"
        for name in [dead, alive, otherHost] {
            try FileManager.default.createDirectory(at: tmp.appendingPathComponent(name).appendingPathComponent("part"), withIntermediateDirectories: true)
        }
        try cache.install(cache.entry("corpora", "x")) { dir in try Data("done".utf8).write(to: dir.appendingPathComponent("f")) }
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: tmp.path))
        #expect(left == [alive, otherHost], "left: \(left)")
        #expect(FileManager.default.fileExists(atPath: cache.entry("corpora", "x").appendingPathComponent("f").path))
    }
}
