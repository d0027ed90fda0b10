#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BPETokenizer {
    /// The first position at or after `from` where `text` can be cut so that encoding the two
    /// parts separately gives exactly the ids of encoding the whole: a safe pre-token split point
    /// (`Pretokenizer.safeSplitPoint`) that does not fall inside a special token (when specials
    /// are matched). Nil when the buffer holds no such point. Streaming encoders cut here.
    public func safeChunkEnd(in text: UnsafeBufferPointer<UInt8>, from: Int, allowSpecial: Bool = true) -> Int? {
        guard let base = text.baseAddress else { return nil }
        let specials = allowSpecial ? specialTokens.map { Array($0.content.utf8) } : []
        let scanner = PretokenScanner(text)
        var p = from
        search: while let cut = scanner.safeSplit(from: p, limit: text.count) {
            for s in specials {
                // Does an occurrence of s start in (cut - s.count, cut)?
                let lo = max(0, cut - s.count + 1), hi = min(cut - 1, text.count - s.count)
                if lo <= hi {
                    for start in lo...hi where memcmp(base + start, s, s.count) == 0 {
                        p = cut + 1
                        continue search
                    }
                }
            }
            return cut
        }
        return nil
    }
}
