import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock (`flock`) on a directory that one process owns while it works there: a run
/// directory while it trains, a sweep directory while a sweep runs. A second process is refused
/// with the pid of the owner. The kernel drops the lock when the owner exits, however it exits
/// (`kill -9` included), so a stale lock never blocks the next command.
public final class DirectoryLock {
    public static let fileName = ".lock"
    public let directory: URL
    private let fd: Int32

    /// Takes the lock or throws naming the directory and the pid holding it.
    /// `file` names the lock file: two owners of different scope (a sweep task holding its run while
    /// `train` trains it) use different files, so neither blocks the other.
    public init(_ directory: URL, file: String = DirectoryLock.fileName, purpose: String) throws {
        self.directory = directory
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw ScaleLabError.io(path: directory.path, reason: "cannot create the directory: \(FileSystemError.reason(error))")
        }
        let path = directory.appendingPathComponent(file).path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ScaleLabError.io(path: path, reason: FileSystemError.describe(errno)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var owner = ""
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 31, 0)
            if n > 0 { owner = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            close(fd)
            if code == EWOULDBLOCK {
                throw ScaleLabError.data(path: directory.path, reason: "in use by pid \(owner.isEmpty ? "?" : owner) (\(purpose)); wait for it to finish or stop it first")
            }
            throw ScaleLabError.io(path: path, reason: "cannot lock: \(FileSystemError.describe(code))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
