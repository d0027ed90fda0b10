import Foundation
import Support

/// The on-disk cache for prepared corpora, downloads and token shards.
///
/// Location: the `root` given, else `$SCALELAB_CACHE`, else `~/.cache/scalelab`. Every entry is a
/// directory named by a content hash, built under `<root>/tmp/` and renamed into place in one
/// step, so an entry that exists is complete: an interrupted build leaves only a stray temp
/// directory, never a half entry. The next build removes a temp directory whose process (named in
/// it with its host) is gone, and any older than a day (a process on another host of a shared cache).
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
        let tmp = tmpRoot.appendingPathComponent("\(entry.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).\(Self.hostTag)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: false)
        defer { try? fm.removeItem(at: tmp) }
        try build(tmp)
        if rename(tmp.path, entry.path) != 0 {
            if exists(entry) { return }
            throw ScaleLabError.io(path: entry.path, reason: FileSystemError.describe(errno))
        }
        // Persist the rename itself (best effort: some file systems refuse fsync on a directory).
        let dirFD = open(entry.deletingLastPathComponent().path, O_RDONLY)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }

    /// This host's name as one dot-free name component: a pid means something only on its host.
    static let hostTag: String = {
        let name = ProcessInfo.processInfo.hostName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        return name.isEmpty ? "host" : String(name)
    }()

    /// Whether a temporary directory `<entry>.<pid>.<random>.<host>` belongs to a process of this
    /// host that no longer runs.
    static func ownerIsGone(_ name: String) -> Bool {
        let parts = name.split(separator: ".")
        guard parts.count >= 4, parts[parts.count - 1] == hostTag, let pid = Int32(parts[parts.count - 3]), pid > 0,
              pid != getpid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    private func removeStaleTemporaries(in dir: URL) {
        let fm = FileManager.default
        guard let items = try? fm.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.contentModificationDateKey]) else { return }
        for item in items {
            if Self.ownerIsGone(item.lastPathComponent) { try? fm.removeItem(at: item); continue }
            if let date = try? item.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate,
               date.timeIntervalSinceNow < -86_400 { try? fm.removeItem(at: item) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
