/// The four character classes the GPT-2 pre-tokenisation pattern distinguishes.
///
/// `letter` is `\p{L}` (general categories Lu, Ll, Lt, Lm, Lo), `number` is `\p{N}` (Nd, Nl, No),
/// `whitespace` is `\s` (the Unicode White_Space property: U+0009–U+000D, U+0020, U+0085, U+00A0,
/// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), `other` is everything else.
/// This is what the Python `regex` package and Rust `fancy-regex` (tiktoken) match; a test
/// compares every scalar against a table generated from `regex` (scripts/gen_pretokenizer_fixture.py).
/// Bytes that are not part of well-formed UTF-8 are classified `other`, one byte at a time.

public enum CharacterClass: UInt8, Sendable {
    case other = 0, letter = 1, number = 2, whitespace = 3

    /// Classifies one scalar from Swift's own Unicode tables.
    public static func of(_ scalar: Unicode.Scalar) -> CharacterClass {
        let p = scalar.properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return p.isWhitespace ? .whitespace : .other
        }
    }

    /// Classifies a code point value; surrogates and values above U+10FFFF are `other`.
    static func of(codePoint: UInt32) -> CharacterClass {
        guard let s = Unicode.Scalar(codePoint) else { return .other }
        return of(s)
    }
}

/// Class of every Basic Multilingual Plane code point, computed once (64 KiB), so the scanner
/// never calls into Unicode property lookups for the common case.

final class BMPClassTable: @unchecked Sendable {
    let classes: UnsafeMutablePointer<UInt8>

    static let shared = BMPClassTable()

    private init() {
        classes = .allocate(capacity: 0x10000)
        for cp in 0..<0x10000 { classes[cp] = CharacterClass.of(codePoint: UInt32(cp)).rawValue }
    }
}
