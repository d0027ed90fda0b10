import Support
#if canImport(Glibc)
import Glibc
#endif

/// An open file that takes whole buffers (retrying short writes) and is fsync'ed on `finish`.
final class FileSink {
    let path: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ScaleLabError.io(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < chunk.count {
            let n = Glibc.write(fd, chunk.baseAddress! + offset, chunk.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ScaleLabError.io(path: path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    func finish() throws {
        guard fsync(fd) == 0, close(fd) == 0 else { throw ScaleLabError.io(path: path, reason: String(cString: strerror(errno))) }
        fd = -1
    }
}
