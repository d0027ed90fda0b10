import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Element type of a token shard: uint16 whenever the vocabulary fits (≤ 65536), else uint32.
public enum TokenDType: String, Codable, Sendable {
    case uint16, uint32
    public var width: Int { self == .uint16 ? 2 : 4 }
    public static func forVocabulary(_ vocabSize: Int) -> TokenDType { vocabSize <= 65536 ? .uint16 : .uint32 }
}

/// The `<name>.bin.json` sidecar describing a shard.
public struct ShardSidecar: Codable, Sendable, Equatable {
    public var dtype: TokenDType
    public var vocabSize: Int
    public var tokens: Int
    public var tokenizer: String
    public var corpus: String
    public var corpusSHA256: String
    public var split: String
    enum CodingKeys: String, CodingKey {
        case dtype, tokens, tokenizer, corpus, split
        case vocabSize = "vocab_size"
        case corpusSHA256 = "corpus_sha256"
    }
}

/// A memory-mapped token shard (raw little-endian ids, no header, nanoGPT layout).
///
/// Opening checks that the size is a whole number of tokens and that every id is below the
/// vocabulary size, naming the file and byte offset of the first bad id, so a model never
/// indexes out of its embedding table.
public final class TokenShard: @unchecked Sendable {
    public let path: String
    public let dtype: TokenDType
    public let vocabSize: Int
    public let count: Int
    private let mapping: UnsafeMutableRawPointer?
    private let mappedBytes: Int

    /// `vocabSize`/`dtype` default to the sidecar's; given explicitly, they must agree with it.
    public init(path: String, vocabSize: Int? = nil, dtype: TokenDType? = nil) throws {
        self.path = path
        var sidecar: ShardSidecar?
        if let data = FileManager.default.contents(atPath: path + ".json") {
            do { sidecar = try JSONDecoder().decode(ShardSidecar.self, from: data) } catch {
                throw ScaleLabError.data(path: path + ".json", reason: "not a shard sidecar: \(error)")
            }
        }
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
        self.vocabSize = vocab; self.dtype = type
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ScaleLabError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ScaleLabError.io(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        guard size % type.width == 0 else {
            throw ScaleLabError.data(path: path, reason: "size \(size) bytes is not a whole number of \(type.rawValue) tokens")
        }
        count = size / type.width
        if let s = sidecar, s.tokens != count {
            throw ScaleLabError.data(path: path, reason: "holds \(count) tokens, its sidecar says \(s.tokens)")
        }
        mappedBytes = size
        if size > 0 {
            guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
                throw ScaleLabError.io(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
            }
            mapping = p
        } else { mapping = nil }
        if let bad = firstOutOfRange() {
            throw ScaleLabError.data(path: path, reason: "byte offset \(bad * type.width): token id \(self[bad]) is not below vocab_size \(vocab)")
        }
    }

    deinit { if let mapping { munmap(mapping, mappedBytes) } }

    public subscript(i: Int) -> Int32 {
        precondition(i >= 0 && i < count)
        switch dtype {
        case .uint16: return Int32(UInt16(littleEndian: mapping!.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case .uint32: return Int32(bitPattern: UInt32(littleEndian: mapping!.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
    }

    /// Copies tokens [start, start + n) as Int32 into `out`.
    @inline(__always)
    public func copy(from start: Int, count n: Int, into out: UnsafeMutablePointer<Int32>) {
        precondition(start >= 0 && n >= 0 && start + n <= count)
        switch dtype {
        case .uint16:
            let src = mapping!.assumingMemoryBound(to: UInt16.self) + start
            for i in 0..<n { out[i] = Int32(UInt16(littleEndian: src[i])) }
        case .uint32:
            let src = mapping!.assumingMemoryBound(to: UInt32.self) + start
            for i in 0..<n { out[i] = Int32(bitPattern: UInt32(littleEndian: src[i])) }
        }
    }

    private func firstOutOfRange() -> Int? {
        guard let mapping else { return nil }
        switch dtype {
        case .uint16:
            if vocabSize >= 65536 { return nil }
            let p = mapping.assumingMemoryBound(to: UInt16.self), limit = UInt16(vocabSize)
            for i in 0..<count where UInt16(littleEndian: p[i]) >= limit { return i }
        case .uint32:
            let p = mapping.assumingMemoryBound(to: UInt32.self), limit = UInt64(vocabSize)
            for i in 0..<count where UInt64(UInt32(littleEndian: p[i])) >= limit { return i }
        }
        return nil
    }
}
