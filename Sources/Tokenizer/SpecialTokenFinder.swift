#if canImport(Glibc)
import Glibc
#endif

/// Finds special tokens in raw bytes, leftmost first and the longest on a tie (as Hugging Face's
/// added-token matcher does). Remembers each token's next occurrence, so scanning a text from left
/// to right searches it about once per special token.
struct SpecialTokenFinder {
    let patterns: [[UInt8]]
    private var next: [Int]

    init(_ patterns: [[UInt8]]) {
        self.patterns = patterns
        next = [Int](repeating: -1, count: patterns.count)
    }

    /// The start and pattern index of the first occurrence at or after `from`, or nil.
    mutating func nextMatch(in base: UnsafePointer<UInt8>, count: Int, from: Int) -> (start: Int, index: Int)? {
        var best = -1, bestStart = Int.max
        for k in 0..<patterns.count {
            if next[k] != Int.max && next[k] < from { next[k] = Self.find(patterns[k], base, from: from, count: count) }
            let s = next[k]
            if s < bestStart || (s == bestStart && s != Int.max && patterns[k].count > patterns[best].count) {
                best = k; bestStart = s
            }
        }
        return bestStart == Int.max ? nil : (bestStart, best)
    }

    /// First occurrence of `needle` in `base[from..<count]`: memchr for its first byte, then compare.
    private static func find(_ needle: [UInt8], _ base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int {
        needle.withUnsafeBufferPointer { n in
            let first = Int32(n[0]), len = n.count
            var pos = from
            while count - pos >= len {
                guard let hit = memchr(base + pos, first, count - pos - len + 1) else { return Int.max }
                let at = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + at, n.baseAddress!, len) == 0 { return at }
                pos = at + 1
            }
            return Int.max
        }
    }
}
