import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written in pieces that appears at its path only when complete: bytes go to a temporary
/// file in the same directory, `commit()` fsyncs and renames it into place; if the writer is
/// dropped without a commit (an error on the way), the temporary file is removed. `AtomicFile`
/// writes data already in memory through this; token files and corpora can exceed memory.
public final class StreamingAtomicFile {
    public let url: URL
    private let temporaryPath: String
    private var fd: Int32
    private var finished = false

    /// Temporary files are named `.<name>.tmp-<pid>-<random>`; `AtomicFile.removeStaleTemporaries`
    /// removes those a killed process left behind.
    public init(_ url: URL) throws {
        self.url = url
        let dir = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw ScaleLabError.io(path: dir.path, reason: "cannot create the directory: \(FileSystemError.reason(error))")
        }
        temporaryPath = dir.appendingPathComponent(".\(url.lastPathComponent)\(AtomicFile.temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ScaleLabError.io(path: url.path, reason: FileSystemError.describe(errno)) }
    }

    deinit { if !finished { close(fd); unlink(temporaryPath) } }

    public func write(_ p: UnsafeRawPointer, _ count: Int) throws {
        try FileDescriptorIO.writeAll(fd, p, count: count, path: url.path)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        try write(base, bytes.count)
    }

    /// `durable: false` skips the fsyncs: still atomic against a crash of the process (`kill -9`),
    /// not against a power cut. For files rewritten often, like a metrics log.
    public func commit(durable: Bool = true) throws {
        finished = true
        if (durable && fsync(fd) != 0) || close(fd) != 0 {
            let reason = FileSystemError.describe(errno)
            unlink(temporaryPath)
            throw ScaleLabError.io(path: url.path, reason: reason)
        }
        guard rename(temporaryPath, url.path) == 0 else {
            let reason = FileSystemError.describe(errno)
            unlink(temporaryPath)
            throw ScaleLabError.io(path: url.path, reason: reason)
        }
        if durable { AtomicFile.syncDirectory(url.deletingLastPathComponent()) }
    }
}
