/// A fixed byte buffer that hands full chunks to `drain` (hashing, statistics, the file). Hot
/// producers write through `base + count` directly, one word (at most 16 + 2 bytes) at a time,
/// and flush once they reach `capacity`; the `slack` past it absorbs the last word, so there is
/// no per-byte bounds logic and no allocation.
public final class OutputBuffer {
    /// Bytes past `capacity` that are always writable, so a 16-byte word store never overruns.
    public static let slack = 64
    public let capacity: Int
    public let base: UnsafeMutablePointer<UInt8>
    public var count = 0
    private let drain: (UnsafeRawBufferPointer) throws -> Void

    public init(capacity: Int = 1 << 20, drain: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.capacity = capacity
        base = .allocate(capacity: capacity + Self.slack)
        self.drain = drain
    }
    deinit { base.deallocate() }

    public func flush() throws {
        if count > 0 { try drain(UnsafeRawBufferPointer(start: base, count: count)) }
        count = 0
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            if count >= capacity { try flush() }
            let n = min(capacity - count, bytes.count - offset)
            UnsafeMutableRawPointer(base + count).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            count += n; offset += n
        }
    }

    public func append(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try append($0) } }
}
