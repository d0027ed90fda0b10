import Dispatch
import Support

/// The GPT-2 pre-tokenisation split as a public function (see `PretokenScanner` for the pattern
/// and for how invalid UTF-8 is handled).
public enum Pretokenizer {
    /// The byte ranges of the pre-tokens of `bytes`, in order; they cover `bytes` exactly.
    public static func split(_ bytes: [UInt8]) -> [Range<Int>] {
        bytes.withUnsafeBufferPointer { buf in
            var scanner = PretokenScanner(buf)
            var out: [Range<Int>] = []
            var start = 0
            while let end = scanner.next() { out.append(start..<end); start = end }
            return out
        }
    }

    /// The first position at or after `from` where `bytes` can be cut so that splitting the two
    /// parts separately gives the same pre-tokens as splitting the whole (see
    /// `PretokenScanner.safeSplit`), or nil.
    public static func safeSplitPoint(in bytes: [UInt8], from: Int) -> Int? {
        bytes.withUnsafeBufferPointer { PretokenScanner($0).safeSplit(from: from, limit: $0.count) }
    }

    /// Counts the pre-tokens of several texts with `threads` threads. Occurrences of the
    /// `specialTokens` are cut out first (they are never part of a pre-token).
    public static func countPretokens(_ texts: [[UInt8]], specialTokens: [String] = [], threads: Int = 2) -> [[UInt8]: Int] {
        let table = PretokenCounter.count(texts, specials: specialTokens.map { Array($0.utf8) }, threads: threads)
        var out = [[UInt8]: Int](minimumCapacity: table.count)
        for e in 0..<table.count { out[Array(table.key(e))] = Int(table.payloads[e]) }
        return out
    }
}

/// Parallel counting of pre-tokens into a `ByteStringTable` (key: pre-token bytes, payload: count).
enum PretokenCounter {
    struct Piece { let text: Int; let start: Int; let end: Int }

    static func count(_ texts: [[UInt8]], specials: [[UInt8]], threads: Int) -> ByteStringTable {
        let total = texts.reduce(0) { $0 + $1.count }
        let threads = max(1, threads)
        // Several pieces per thread balance the load; each piece ends at a safe split point.
        let pieceSize = min(max(total / (threads * 8), 1 << 16), 1 << 22)
        var pieces: [Piece] = []
        for (t, text) in texts.enumerated() {
            text.withUnsafeBufferPointer { buf in
                guard let base = buf.baseAddress else { return }
                var finder = SpecialTokenFinder(specials)
                var pos = 0
                while pos < buf.count {
                    let match = specials.isEmpty ? nil : finder.nextMatch(in: base, count: buf.count, from: pos)
                    let segmentEnd = match?.start ?? buf.count
                    let scanner = PretokenScanner(UnsafeBufferPointer(start: base, count: segmentEnd))
                    var s = pos
                    while segmentEnd - s > pieceSize, let cut = scanner.safeSplit(from: s + pieceSize, limit: segmentEnd) {
                        pieces.append(Piece(text: t, start: s, end: cut))
                        s = cut
                    }
                    if s < segmentEnd { pieces.append(Piece(text: t, start: s, end: segmentEnd)) }
                    pos = match.map { $0.start + specials[$0.index].count } ?? buf.count
                }
            }
        }
        let tables = UnsafeSendable((0..<threads).map { _ in ByteStringTable(expectedCount: 1 << 14) })
        let work = pieces
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let table = tables.value[t]
            for i in stride(from: t, to: work.count, by: threads) {
                let piece = work[i]
                texts[piece.text].withUnsafeBufferPointer { buf in
                    countPiece(buf.baseAddress! + piece.start, piece.end - piece.start, into: table)
                }
            }
        }
        let result = tables.value[0]
        for t in 1..<threads { result.addPayloads(of: tables.value[t]) }
        return result
    }

    static func countPiece(_ base: UnsafePointer<UInt8>, _ count: Int, into table: ByteStringTable) {
        var scanner = PretokenScanner(UnsafeBufferPointer(start: base, count: count))
        var start = 0
        var counts = table.payloads
        while let end = scanner.next() {
            let p = base + start, n = end - start
            let e = table.findOrInsert(p, n, hash: hashBytes(p, n))
            if e + 1 == table.count { counts = table.payloads }  // an insertion may have moved the payloads
            counts[e] += 1
            start = end
        }
    }
}
