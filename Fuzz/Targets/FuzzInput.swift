import Foundation

/// Shared by every fuzz target: the input as Data, split into parts at NUL bytes, and a scratch
/// directory (in memory when /dev/shm exists) for readers that take paths.
enum FuzzInput {
    static func data(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Data { Data(bytes: bytes, count: count) }

    /// The input split at the first `count - 1` NUL bytes; missing parts are empty.
    static func parts(_ data: Data, count: Int) -> [Data] {
        var out: [Data] = []
        var rest = data[...]
        while out.count < count - 1, let i = rest.firstIndex(of: 0) {
            out.append(Data(rest[..<i])); rest = rest[(i + 1)...]
        }
        out.append(Data(rest))
        while out.count < count { out.append(Data()) }
        return out
    }

    static let scratch: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("scalelab-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/scalelab-fuzz-\(getpid())") }
        return url
    }()

    /// Writes `data` to `name` in the scratch directory (replacing it) and returns its path.
    static func file(_ name: String, _ data: Data) -> URL {
        let url = scratch.appendingPathComponent(name)
        try? data.write(to: url)
        return url
    }
}
