/// The read-only lookup tables a tokenizer encodes and decodes with, as raw memory so that hot
/// loops index pointers rather than arrays. Built once and never mutated, hence shareable.
final class TokenTables: @unchecked Sendable {
    let vocabSize: Int
    /// Token `id` is the bytes `tokenBytes[tokenOffsets[id] ..< tokenOffsets[id + 1]]`.
    let tokenOffsets: UnsafeMutablePointer<Int>
    let tokenBytes: UnsafeMutablePointer<UInt8>
    /// The id of the one-byte token for each byte value.
    let byteIds: UnsafeMutablePointer<UInt32>
    /// (left, right) → `rank << 32 | result id`; a lower rank merges first.
    let mergeTable: PairMap

    init(tokens: [[UInt8]], byteIds ids: [UInt32], merges: [BPETokenizer.Merge]) {
        vocabSize = tokens.count
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: tokens.count + 1)
        let arena = UnsafeMutablePointer<UInt8>.allocate(capacity: max(tokens.reduce(0) { $0 + $1.count }, 1))
        var offset = 0
        for (i, t) in tokens.enumerated() {
            offsets[i] = offset
            for (j, byte) in t.enumerated() { arena[offset + j] = byte }
            offset += t.count
        }
        offsets[tokens.count] = offset
        tokenOffsets = offsets
        tokenBytes = arena
        byteIds = .allocate(capacity: 256)
        for b in 0..<256 { byteIds[b] = ids[b] }
        mergeTable = PairMap(expectedCount: merges.count)
        for (rank, m) in merges.enumerated() {
            // A pair listed twice keeps its first (lowest) rank; the later entry could never apply.
            mergeTable.insert(m.left, m.right, UInt64(rank) << 32 | UInt64(m.result))
        }
    }

    deinit {
        tokenOffsets.deallocate(); tokenBytes.deallocate(); byteIds.deallocate()
    }

    @inline(__always)
    func bytes(of id: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: tokenBytes + tokenOffsets[id], count: tokenOffsets[id + 1] - tokenOffsets[id])
    }
}
