/// A hand-written scanner for the GPT-2 pre-tokenisation pattern
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// over raw bytes, with the semantics of a backtracking regex engine (leftmost alternative wins,
/// `+` is greedy): contractions are case-sensitive; one optional U+0020 space attaches to the run
/// of letters, numbers or other symbols that follows it; a whitespace run followed by a
/// non-space leaves its last whitespace character to the next pre-token (`\s+(?!\S)`), and a
/// single whitespace character before a non-space stands alone (`\s+`).
///
/// Invalid UTF-8: every byte that does not start a well-formed UTF-8 sequence (Unicode 15,
/// table 3-7: no overlongs, no surrogates, nothing above U+10FFFF, no truncated sequence) is one
/// character of class "other" on its own. This equals decoding with Python's
/// `errors="surrogateescape"` and running the regex, and makes every byte string split
/// deterministically; decoding the ids gives the bytes back exactly.

struct PretokenScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    let bmp: UnsafeMutablePointer<UInt8>
    var position: Int


    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        end = buffer.count
        bmp = BMPClassTable.shared.classes
        position = 0
    }

    /// The end offset of the next pre-token (it starts at the previous end, or 0), or nil at the end.
    @inline(__always)
    mutating func next() -> Int? {
        let i = position
        if i >= end { return nil }
        let e = tokenEnd(from: i)
        position = e
        return e
    }

    /// Class and byte length of the character at `i` (see the type's comment for invalid bytes).
    @inline(__always)
    func classify(_ i: Int) -> (UInt8, Int) {
        let b0 = base[i]
        if b0 < 0x80 { return (bmp[Int(b0)], 1) }
        let remaining = end - i
        if b0 >= 0xC2 && b0 <= 0xDF {
            if remaining >= 2 {
                let b1 = base[i + 1]
                if b1 & 0xC0 == 0x80 { return (bmp[Int(b0 & 0x1F) << 6 | Int(b1 & 0x3F)], 2) }
            }
        } else if b0 >= 0xE0 && b0 <= 0xEF {
            if remaining >= 3 {
                let b1 = base[i + 1], b2 = base[i + 2]
                let lo: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
                let hi: UInt8 = b0 == 0xED ? 0x9F : 0xBF
                if b1 >= lo && b1 <= hi && b2 & 0xC0 == 0x80 {
                    return (bmp[Int(b0 & 0x0F) << 12 | Int(b1 & 0x3F) << 6 | Int(b2 & 0x3F)], 3)
                }
            }
        } else if b0 >= 0xF0 && b0 <= 0xF4 {
            if remaining >= 4 {
                let b1 = base[i + 1], b2 = base[i + 2], b3 = base[i + 3]
                let lo: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
                let hi: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
                if b1 >= lo && b1 <= hi && b2 & 0xC0 == 0x80 && b3 & 0xC0 == 0x80 {
                    let cp = UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | UInt32(b2 & 0x3F) << 6 | UInt32(b3 & 0x3F)
                    return (CharacterClass.of(codePoint: cp).rawValue, 4)
                }
            }
        }
        return (CharacterClass.other.rawValue, 1)
    }

    @inline(__always)
    func extend(from start: Int, _ cls: UInt8) -> Int {
        var j = start
        while j < end {
            let (c, l) = classify(j)
            if c != cls { break }
            j += l
        }
        return j
    }


    func tokenEnd(from i: Int) -> Int {
        let b = base[i]
        let whitespace = CharacterClass.whitespace.rawValue
        if b == 0x27 {  // ' : the contractions come first in the alternation
            if i + 1 < end {
                let c = base[i + 1]
                if c == 0x73 || c == 0x74 || c == 0x6D || c == 0x64 { return i + 2 }  // s t m d
                if i + 2 < end {
                    let d = base[i + 2]
                    if (d == 0x65 && (c == 0x72 || c == 0x76)) || (c == 0x6C && d == 0x6C) { return i + 3 }  // re ve ll
                }
            }
            return extend(from: i + 1, CharacterClass.other.rawValue)
        }
        if b == 0x20 && i + 1 < end {
            let (c1, l1) = classify(i + 1)
            if c1 != whitespace { return extend(from: i + 1 + l1, c1) }
        }
        let (cls, len) = classify(i)
        if cls != whitespace { return extend(from: i + len, cls) }
        var j = i + len
        var lastStart = i
        while j < end {
            let (c, l) = classify(j)
            if c != whitespace { break }
            lastStart = j
            j += l
        }
        if j == end { return end }
        return lastStart > i ? lastStart : j
    }

    /// A split point in `[from, limit)` at which pre-tokenising the two sides separately gives the
    /// same pre-tokens as pre-tokenising the whole: an ASCII non-space byte followed by an ASCII
    /// whitespace byte. The token holding the non-space byte cannot extend into whitespace, and a
    /// token always starts at a whitespace character that follows a non-space one. Nil if none.

    func safeSplit(from: Int, limit: Int) -> Int? {
        var p = max(from, 1)
        let stop = min(limit, end)
        let whitespace = CharacterClass.whitespace.rawValue
        while p < stop {
            let b = base[p]
            if b < 0x80 && bmp[Int(b)] == whitespace {
                let a = base[p - 1]
                if a < 0x80 && bmp[Int(a)] != whitespace { return p }
            }
            p += 1
        }
        return nil
    }
}
