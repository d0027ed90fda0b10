import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

/// A file written in pieces that appears at its path only when complete: bytes go to a temporary
/// file in the same directory, `commit()` fsyncs and renames it into place; if the writer is
/// dropped without a commit (an error on the way), the temporary file is removed.
/// (`Support.AtomicFile` does the same for data already in memory; shards can exceed memory.)
final class StreamingAtomicFile {
    let url: URL
    private let temporaryPath: String
    private var fd: Int32
    private var finished = false

    init(_ url: URL) throws {
        self.url = url
        let dir = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw ScaleLabError.io(path: dir.path, reason: "cannot create the directory: \(error)")
        }
        temporaryPath = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ScaleLabError.io(path: url.path, reason: String(cString: strerror(errno))) }
    }

    deinit { if !finished { close(fd); unlink(temporaryPath) } }

    func write(_ p: UnsafeRawPointer, _ count: Int) throws {
        var offset = 0
        while offset < count {
            let n = Glibc.write(fd, p + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ScaleLabError.io(path: url.path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    func commit() throws {
        guard fsync(fd) == 0, close(fd) == 0 else {
            throw ScaleLabError.io(path: url.path, reason: String(cString: strerror(errno)))
        }
        finished = true
        guard rename(temporaryPath, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw ScaleLabError.io(path: url.path, reason: reason)
        }
        let dirFD = open(url.deletingLastPathComponent().path, O_RDONLY)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }
}
