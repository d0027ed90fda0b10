import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The read and write loops over a raw file descriptor, written once: a call interrupted by a
/// signal (EINTR) is retried, a short write continues where it stopped, and a failure becomes a
/// `ScaleLabError.io` naming the file.
public enum FileDescriptorIO {
    /// Writes all `count` bytes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, count: Int, path: String) throws {
        var offset = 0
        while offset < count {
            let n = write(fd, bytes + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ScaleLabError.io(path: path, reason: FileSystemError.describe(errno))
            }
            offset += n
        }
    }

    /// Reads up to `count` bytes; 0 means end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, path: String) throws -> Int {
        while true {
            #if canImport(Glibc)
            let n = Glibc.read(fd, buffer, count)
            #else
            let n = Darwin.read(fd, buffer, count)
            #endif
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw ScaleLabError.io(path: path, reason: "read failed: \(FileSystemError.describe(errno))")
        }
    }
}

/// Plain words for the operating system's errors, with what to do where there is something to do.
public enum FileSystemError {
    public static func describe(_ code: Int32) -> String {
        switch code {
        case ENOSPC: return "no space left on the device; free some space and run the command again"
        case EROFS: return "the file system is read-only"
        case EACCES, EPERM: return "permission denied"
        case ENAMETOOLONG: return "the file name is too long"
        case EEXIST: return "already exists"
        case ENOENT: return "no such file or directory"
        case ENOTDIR: return "a component of the path is not a directory"
        case EISDIR: return "is a directory"
        case EDQUOT: return "disk quota exceeded"
        default: return String(cString: strerror(code))
        }
    }
}

extension FileSystemError {
    /// A Foundation file error (`NSCocoaErrorDomain Code=516` and the like) as a `ScaleLabError.io`
    /// naming the file in plain words; nil for errors that are not about files.
    public static func translate(_ error: any Error) -> ScaleLabError? {
        if let e = error as? ScaleLabError { return e }
        let ns = error as NSError
        var path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path ?? ""
        if path.isEmpty, let url = ns.userInfo["NSURL"] as? URL { path = url.path }
        // The operating system's reason, when Foundation kept it (a POSIXError on Linux).
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] {
            if let posix = underlying as? POSIXError { return .io(path: path.isEmpty ? "(file)" : path, reason: describe(posix.code.rawValue)) }
            if let other = underlying as? any Error, (other as NSError).domain == NSPOSIXErrorDomain {
                return .io(path: path.isEmpty ? "(file)" : path, reason: describe(Int32((other as NSError).code)))
            }
        }
        if ns.domain == NSPOSIXErrorDomain { return .io(path: path.isEmpty ? "(file)" : path, reason: describe(Int32(ns.code))) }
        guard ns.domain == NSCocoaErrorDomain else { return nil }
        let reason: String
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileWriteFileExists: reason = describe(EEXIST)
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = describe(ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: reason = describe(EACCES)
        case .fileWriteVolumeReadOnly: reason = describe(EROFS)
        case .fileWriteOutOfSpace: reason = describe(ENOSPC)
        case .fileWriteInvalidFileName, .fileReadInvalidFileName: reason = "the file name is invalid or too long"
        case .fileReadCorruptFile: reason = "the file is unreadable or corrupt"
        case .fileReadInapplicableStringEncoding: reason = "the file is not valid text in the expected encoding"
        case .fileReadTooLarge: reason = "the file is too large to read"
        case .fileLocking: reason = "the file is locked"
        default: reason = "file operation failed (\(ns.code))"
        }
        return .io(path: path.isEmpty ? "(file)" : path, reason: reason)
    }

    /// Just the plain-words reason of a file error, for messages that name the file themselves.
    public static func reason(_ error: any Error) -> String {
        switch translate(error) {
        case let .io(_, reason)?: return reason
        case let other?: return other.description
        case nil: return Printable.escaped(String(describing: error))
        }
    }
}
