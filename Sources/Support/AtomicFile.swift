import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader (or a crash, or `kill -9`) only ever sees the old
/// content or the complete new content, never a half-written file.
///
/// The bytes go to a temporary file in the same directory, are fsync'ed, renamed over
/// the destination (rename is atomic within one file system), and the directory is
/// fsync'ed so the rename itself survives a power cut.
public enum AtomicFile {
    /// `durable: false` skips the fsyncs: still atomic against a crash of the process (what
    /// `kill -9` does), not against a power cut. For files rewritten often, like a metrics log.
    public static func write(_ data: Data, to url: URL, durable: Bool = true) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ScaleLabError.io(path: tmp.path, reason: String(cString: strerror(errno))) }
        var ok = false
        defer { if !ok { unlink(tmp.path) } }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    close(fd)
                    throw ScaleLabError.io(path: tmp.path, reason: reason)
                }
                offset += n
            }
        }
        if (durable && fsync(fd) != 0) || close(fd) != 0 {
            throw ScaleLabError.io(path: tmp.path, reason: String(cString: strerror(errno)))
        }
        guard rename(tmp.path, url.path) == 0 else {
            throw ScaleLabError.io(path: url.path, reason: String(cString: strerror(errno)))
        }
        ok = true
        if durable { syncDirectory(dir) }
    }

    public static func write(_ string: String, to url: URL, durable: Bool = true) throws {
        try write(Data(string.utf8), to: url, durable: durable)
    }

    /// Best effort: some file systems refuse fsync on a directory; the rename is still atomic.
    static func syncDirectory(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}
