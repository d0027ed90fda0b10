/// Encoding state for one thread: a cache from pre-token bytes to ids (most text repeats a small
/// set of words, so most pre-tokens skip the merge loop) and scratch memory for the merge loop.
/// Not thread-safe; every encoding thread makes its own. `BPETokenizer.encode` makes one per call;
/// callers that encode many small texts should keep one and reuse its cache.
public final class BPEEncodingSession {
    /// Pre-tokens longer than this are not cached (they are rare and would bloat the cache).
    static let maxCachedLength = 64
    /// When the cache holds this many pre-tokens it is cleared, bounding its memory (~20 MB).
    static let maxCacheEntries = 1 << 18

    let tables: TokenTables
    let specials: [(bytes: [UInt8], id: UInt32)]
    private let cache = ByteStringTable(expectedCount: 256)
    private var cacheIds: UnsafeMutablePointer<UInt32>
    private var cacheIdsCount = 0
    private var cacheIdsCapacity = 1 << 10
    private var symbols: UnsafeMutablePointer<UInt32>
    private var ranks: UnsafeMutablePointer<UInt64>
    private var scratchCapacity = 256

    public init(_ tokenizer: BPETokenizer, allowSpecial: Bool = true) {
        tables = tokenizer.tables
        specials = allowSpecial ? tokenizer.specialTokens.map { (Array($0.content.utf8), $0.id) } : []
        cacheIds = .allocate(capacity: cacheIdsCapacity)
        symbols = .allocate(capacity: scratchCapacity)
        ranks = .allocate(capacity: scratchCapacity)
    }

    deinit { cacheIds.deallocate(); symbols.deallocate(); ranks.deallocate() }

    public func encode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: input.count) { buf, n in
            n = input.isEmpty ? 0 : encode(input, into: buf.baseAddress!)
        }
    }

    /// Encodes bytes to ids (see `BPETokenizer.encode`).
    public func encode(_ bytes: [UInt8]) -> [UInt32] {
        bytes.withUnsafeBufferPointer { encode($0) }
    }

    /// Encodes `input` into `out` (capacity ≥ input.count) and returns the number of ids.
    public func encode(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt32>) -> Int {
        guard let base = input.baseAddress else { return 0 }
        if specials.isEmpty { return encodeOrdinary(base, input.count, out) }
        var finder = SpecialTokenFinder(specials.map(\.bytes))
        var pos = 0, written = 0
        while pos < input.count {
            guard let (start, k) = finder.nextMatch(in: base, count: input.count, from: pos) else {
                written += encodeOrdinary(base + pos, input.count - pos, out + written)
                break
            }
            written += encodeOrdinary(base + pos, start - pos, out + written)
            out[written] = specials[k].id
            written += 1
            pos = start + specials[k].bytes.count
        }
        return written
    }

    /// Encodes text without special-token matching: pre-tokenise, then BPE per pre-token.
    func encodeOrdinary(_ base: UnsafePointer<UInt8>, _ count: Int, _ out: UnsafeMutablePointer<UInt32>) -> Int {
        var scanner = PretokenScanner(UnsafeBufferPointer(start: base, count: count))
        let byteIds = tables.byteIds
        var start = 0, written = 0
        while let end = scanner.next() {
            let n = end - start
            if n == 1 {
                out[written] = byteIds[Int(base[start])]
                written += 1
            } else {
                written += encodeWord(base + start, n, out + written)
            }
            start = end
        }
        return written
    }

    @inline(__always)
    private func encodeWord(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: UnsafeMutablePointer<UInt32>) -> Int {
        guard n <= Self.maxCachedLength else {
            let m = mergeWord(p, n)
            out.update(from: symbols, count: m)
            return m
        }
        let h = hashBytes(p, n)
        if let e = cache.find(p, n, hash: h) {
            let payload = cache.payloads[e]
            let m = Int(payload & 0xFFFF)
            out.update(from: cacheIds + Int(payload >> 16), count: m)
            return m
        }
        let m = mergeWord(p, n)
        out.update(from: symbols, count: m)
        if cache.count >= Self.maxCacheEntries {
            cache.removeAll()
            cacheIdsCount = 0
        }
        if cacheIdsCount + m > cacheIdsCapacity {
            cacheIds = reallocate(cacheIds, cacheIdsCount, cacheIdsCapacity * 2)
            cacheIdsCapacity *= 2
        }
        (cacheIds + cacheIdsCount).update(from: symbols, count: m)
        let e = cache.findOrInsert(p, n, hash: h)
        cache.payloads[e] = Int64(cacheIdsCount) << 16 | Int64(m)
        cacheIdsCount += m
        return m
    }

    /// Applies the merges to one pre-token: repeatedly merges the adjacent pair with the lowest
    /// rank (the leftmost one on a tie), as GPT-2 and Hugging Face do. Leaves the ids in
    /// `symbols` and returns their count.
    private func mergeWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        if n > scratchCapacity {
            symbols.deallocate(); ranks.deallocate()
            scratchCapacity = max(n, scratchCapacity * 2)
            symbols = .allocate(capacity: scratchCapacity)
            ranks = .allocate(capacity: scratchCapacity)
        }
        let byteIds = tables.byteIds, table = tables.mergeTable
        let none = UInt64.max
        for i in 0..<n { symbols[i] = byteIds[Int(p[i])] }
        // ranks[i] describes the pair (symbols[i], symbols[i + 1]): rank << 32 | result, or none.
        for i in 0..<(n - 1) { ranks[i] = table.value(symbols[i], symbols[i + 1]) ?? none }
        var m = n
        while m > 1 {
            var best = 0
            var bestValue = ranks[0]
            for i in 1..<(m - 1) where ranks[i] >> 32 < bestValue >> 32 {
                best = i; bestValue = ranks[i]
            }
            if bestValue == none { break }
            symbols[best] = UInt32(truncatingIfNeeded: bestValue)
            // Remove symbol best+1 and the pair entry `best` now consumed.
            let tail = m - best - 2
            if tail > 0 {
                (symbols + best + 1).update(from: symbols + best + 2, count: tail)
                (ranks + best + 1).update(from: ranks + best + 2, count: tail - 1)
            }
            m -= 1
            if best < m - 1 { ranks[best] = table.value(symbols[best], symbols[best + 1]) ?? none }
            if best > 0 { ranks[best - 1] = table.value(symbols[best - 1], symbols[best]) ?? none }
        }
        return m
    }
}
