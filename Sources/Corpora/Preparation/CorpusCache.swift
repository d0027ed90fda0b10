import Foundation
import Support

/// The on-disk cache for prepared corpora, downloads and token shards.
///
/// Location: the `root` given, else `$SCALELAB_CACHE`, else `~/.cache/scalelab`. Every entry is a
/// directory named by a content hash, built under `<root>/tmp/` and renamed into place in one
/// step, so an entry that exists is complete: an interrupted build leaves only a stray temp
/// directory (removed by the next build that finds it older than a day), never a half entry.
public struct CorpusCache: Sendable {
    public let root: URL

    public init(root: URL? = nil) {
        if let root { self.root = root }
        else if let env = ProcessInfo.processInfo.environment["SCALELAB_CACHE"], !env.isEmpty {
            self.root = URL(fileURLWithPath: env)
        } else {
            self.root = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/scalelab")
        }
    }

    public func entry(_ area: String, _ name: String) -> URL {
        root.appendingPathComponent(area).appendingPathComponent(name)
    }

    public func exists(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Runs `build` in a fresh temporary directory and renames that directory to `entry`.
    /// If another process installed `entry` meanwhile, its entry wins and ours is discarded
    /// (both hold the same content, by construction of the key).
    public func install(_ entry: URL, build: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let tmpRoot = root.appendingPathComponent("tmp")
        try fm.createDirectory(at: tmpRoot, withIntermediateDirectories: true)
        try fm.createDirectory(at: entry.deletingLastPathComponent(), withIntermediateDirectories: true)
        removeStaleTemporaries(in: tmpRoot)
        let tmp = tmpRoot.appendingPathComponent("\(entry.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: false)
        defer { try? fm.removeItem(at: tmp) }
        try build(tmp)
        if rename(tmp.path, entry.path) != 0 {
            if exists(entry) { return }
            throw ScaleLabError.io(path: entry.path, reason: String(cString: strerror(errno)))
        }
        // Persist the rename itself (best effort: some file systems refuse fsync on a directory).
        let dirFD = open(entry.deletingLastPathComponent().path, O_RDONLY)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }

    private func removeStaleTemporaries(in dir: URL) {
        let fm = FileManager.default
        guard let items = try? fm.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.contentModificationDateKey]) else { return }
        for item in items {
            if let date = try? item.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate,
               date.timeIntervalSinceNow < -86_400 { try? fm.removeItem(at: item) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
