/// What the shard builder needs from a tokenizer. The BPE tokenizer (Tokenizer module) conforms
/// to this in the training stage; `ByteEncoder` is the built-in byte-level one.
public protocol TokenEncoder: Sendable {
    /// Number of token ids; every id produced is below it.
    var vocabSize: Int { get }
    /// A content hash (or other stable name) of the tokenizer: part of the shard cache key, so
    /// changing the tokenizer rebuilds the shards.
    var identity: String { get }
    /// Encodes a span of text. The builder passes whole documents, each ending with the
    /// `<|endoftext|>` marker (documents over 8 MiB are cut after a newline).
    func encode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt32]
}

/// One token per byte (vocabulary 256). Its bits-per-token loss is directly bits per byte, the
/// unit of the synthetic corpora's entropy rates.
public struct ByteEncoder: TokenEncoder {
    public init() {}
    public var vocabSize: Int { 256 }
    public var identity: String { "bytes" }
    public func encode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt32] { bytes.map { UInt32($0) } }
}
