import Foundation
import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only run of token ids: a memory-mapped token file, tokens held in memory (text read as
/// bytes), or a slice of either. The one reader of token files.
///
/// Opening a file checks that its size is a whole number of tokens, that its sidecar (if any)
/// agrees, and that every id is below the vocabulary size, naming the file and byte offset of
/// the first bad id, so a model never indexes out of its embedding table.
public final class TokenShard: @unchecked Sendable {
    public let path: String
    public let dtype: TokenDType
    public let vocabSize: Int
    public let count: Int
    /// The sidecar read with the file, if it had one.
    public let sidecar: ShardSidecar?
    private let storage: Storage
    private let base: UnsafeRawPointer?

    /// Owns the bytes: an mmap'd region or an allocation, released with the last shard using it.
    private final class Storage {
        let pointer: UnsafeMutableRawPointer?
        let byteCount: Int
        let mapped: Bool
        init(pointer: UnsafeMutableRawPointer?, byteCount: Int, mapped: Bool) {
            self.pointer = pointer; self.byteCount = byteCount; self.mapped = mapped
        }
        deinit {
            guard let pointer else { return }
            if mapped { munmap(pointer, byteCount) } else { pointer.deallocate() }
        }
    }

    private init(path: String, dtype: TokenDType, vocabSize: Int, count: Int, sidecar: ShardSidecar?, storage: Storage,
                 base: UnsafeRawPointer?) {
        self.path = path; self.dtype = dtype; self.vocabSize = vocabSize; self.count = count
        self.sidecar = sidecar; self.storage = storage; self.base = base
    }

    /// Opens a token file. `vocabSize`/`dtype` default to the sidecar's; given explicitly with a
    /// sidecar, they must agree with it. Without a sidecar the dtype follows `TokenDType`'s rule.
    public convenience init(path: String, vocabSize: Int? = nil, dtype: TokenDType? = nil) throws {
        let sidecar = try ShardSidecar.read(tokenFile: path)
        guard let vocab = vocabSize ?? sidecar?.vocabSize else {
            throw ScaleLabError.data(path: path, reason: "no vocab_size given and no sidecar \(path).json")
        }
        let type = dtype ?? sidecar?.dtype ?? TokenDType.forVocabulary(vocab)
        if let s = sidecar, s.vocabSize != vocab || s.dtype != type {
            throw ScaleLabError.data(path: path + ".json", reason: "sidecar says \(s.dtype.rawValue) with vocab_size \(s.vocabSize), caller expects \(type.rawValue) with \(vocab)")
        }
        guard vocab >= 1, type == .uint32 || vocab <= 65536 else {
            throw ScaleLabError.data(path: path, reason: "vocab_size \(vocab) does not fit \(type.rawValue)")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ScaleLabError.io(path: path, reason: FileSystemError.describe(errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ScaleLabError.io(path: path, reason: FileSystemError.describe(errno)) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw ScaleLabError.data(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size % type.width == 0 else {
            throw ScaleLabError.data(path: path, reason: "size \(size) bytes is not a whole number of \(type.rawValue) tokens")
        }
        let count = size / type.width
        if let s = sidecar, s.tokens != count {
            throw ScaleLabError.data(path: path, reason: "holds \(count) tokens, its sidecar says \(s.tokens)")
        }
        var mapping: UnsafeMutableRawPointer? = nil
        if size > 0 {
            guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
                throw ScaleLabError.io(path: path, reason: "mmap failed: \(FileSystemError.describe(errno))")
            }
            mapping = p
        }
        self.init(path: path, dtype: type, vocabSize: vocab, count: count, sidecar: sidecar,
                  storage: Storage(pointer: mapping, byteCount: size, mapped: true), base: mapping.map(UnsafeRawPointer.init))
        if let bad = firstOutOfRange() {
            throw ScaleLabError.data(path: path, reason: "byte offset \(bad * type.width): token id \(self[bad]) is not below vocab_size \(vocab)")
        }
    }

    /// Bytes as tokens (the byte-level "tokenizer": one id per byte, vocabulary 256), held in memory.
    public convenience init(bytes: UnsafeRawBufferPointer, source: String) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count * 2), alignment: 2)
        let out = p.bindMemory(to: UInt16.self, capacity: bytes.count)
        for (i, b) in bytes.enumerated() { out[i] = UInt16(b).littleEndian }
        self.init(path: source, dtype: .uint16, vocabSize: 256, count: bytes.count,
                  sidecar: ShardSidecar(dtype: .uint16, vocabSize: 256, tokens: bytes.count, tokenizer: "bytes", bytes: bytes.count, source: source),
                  storage: Storage(pointer: p, byteCount: bytes.count * 2, mapped: false), base: UnsafeRawPointer(p))
    }

    /// Tokens [range) of this shard, sharing its memory.
    public func slice(_ range: Range<Int>) -> TokenShard {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return TokenShard(path: path, dtype: dtype, vocabSize: vocabSize, count: range.count, sidecar: nil, storage: storage,
                          base: base.map { $0 + range.lowerBound * dtype.width })
    }

    public subscript(i: Int) -> Int32 {
        precondition(i >= 0 && i < count)
        guard let base else { return 0 }
        switch dtype {
        case .uint16: return Int32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case .uint32: return Int32(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
    }

    /// Copies tokens [start, start + n) as Int32 into `out`.
    @inline(__always)
    public func copy(from start: Int, count n: Int, into out: UnsafeMutablePointer<Int32>) {
        precondition(start >= 0 && n >= 0 && start + n <= count)
        guard let base, n > 0 else { return }
        switch dtype {
        case .uint16:
            let src = base.assumingMemoryBound(to: UInt16.self) + start
            for i in 0..<n { out[i] = Int32(UInt16(littleEndian: src[i])) }
        case .uint32:
            let src = base.assumingMemoryBound(to: UInt32.self) + start
            for i in 0..<n { out[i] = Int32(bitPattern: UInt32(littleEndian: src[i])) }
        }
    }

    /// Every id, widened (for tests, statistics and decoding; training copies windows instead).
    public func ids() -> [UInt32] {
        (0..<count).map { UInt32(bitPattern: self[$0]) }
    }

    /// Plug-in entropy of the ids' unigram distribution, in nats per token: −Σ f log f. Loss minus
    /// this is the unigram-normalised loss of Tao et al. (2024), comparable across vocabularies.
    public func unigramEntropyNats() -> Double {
        guard count > 0 else { return 0 }
        let n = Double(count)
        // A vocabulary far larger than the file (a sidecar may claim any vocab_size) is counted
        // sparsely; summing in id order either way keeps the value bit for bit the same.
        if vocabSize > 4 * count {
            var sparse: [Int: Int] = [:]
            for i in 0..<count { sparse[Int(self[i]), default: 0] += 1 }
            return sparse.keys.sorted().reduce(0.0) { h, id in
                let k = Double(sparse[id] ?? 0)
                return h - k / n * Foundation.log(k / n)
            }
        }
        var counts = [Int](repeating: 0, count: vocabSize)
        counts.withUnsafeMutableBufferPointer { c in for i in 0..<count { c[Int(self[i])] += 1 } }
        return counts.reduce(0.0) { h, k in k == 0 ? h : h - Double(k) / n * Foundation.log(Double(k) / n) }
    }

    private func firstOutOfRange() -> Int? {
        guard let base else { return nil }
        switch dtype {
        case .uint16:
            if vocabSize >= 65536 { return nil }
            let p = base.assumingMemoryBound(to: UInt16.self), limit = UInt16(vocabSize)
            for i in 0..<count where UInt16(littleEndian: p[i]) >= limit { return i }
        case .uint32:
            let p = base.assumingMemoryBound(to: UInt32.self), limit = UInt64(vocabSize)
            for i in 0..<count where UInt64(UInt32(littleEndian: p[i])) >= limit { return i }
        }
        return nil
    }
}
