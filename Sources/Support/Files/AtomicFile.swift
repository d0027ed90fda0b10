import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader (or a crash, or `kill -9`) only ever sees the old
/// content or the complete new content, never a half-written file.
///
/// The bytes go to a temporary file in the same directory, are fsync'ed, renamed over
/// the destination (rename is atomic within one file system), and the directory is
/// fsync'ed so the rename itself survives a power cut.
public enum AtomicFile {
    /// Part of every temporary file's name, between the destination's name and the writer's pid.
    public static let temporaryMarker = ".tmp-"

    /// `durable: false` skips the fsyncs: still atomic against a crash of the process (what
    /// `kill -9` does), not against a power cut. For files rewritten often, like a metrics log.
    public static func write(_ data: Data, to url: URL, durable: Bool = true) throws {
        let file = try StreamingAtomicFile(url)
        try data.withUnsafeBytes { try file.write($0) }
        try file.commit(durable: durable)
    }

    public static func write(_ string: String, to url: URL, durable: Bool = true) throws {
        try write(Data(string.utf8), to: url, durable: durable)
    }

    /// Removes temporary files in `directory` left by writers that are no longer running (a
    /// killed process); those of live processes are left alone.
    public static func removeStaleTemporaries(in directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".") {
            guard let r = name.range(of: temporaryMarker, options: .backwards) else { continue }
            let pidText = name[r.upperBound...].prefix { $0 != "-" }
            guard let pid = Int32(pidText), pid > 0 else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    /// Best effort: some file systems refuse fsync on a directory; the rename is still atomic.
    static func syncDirectory(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}
