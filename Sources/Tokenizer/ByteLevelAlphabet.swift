/// GPT-2's reversible map from bytes to printable characters (`bytes_to_unicode` in OpenAI's
/// encoder.py), used to write byte tokens as strings in `vocab.json`, `merges.txt` and
/// `tokenizer.json`: printable Latin-1 bytes (`!`–`~`, `¡`–`¬`, `®`–`ÿ`) map to themselves, the
/// other 68 bytes to U+0100, U+0101, … in byte order (so space is `Ġ`, newline `Ċ`).
enum ByteLevelAlphabet {
    static let characterOfByte: [Unicode.Scalar] = {
        var out = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable { out[b] = Unicode.Scalar(UInt32(b))! } else { out[b] = Unicode.Scalar(next)!; next += 1 }
        }
        return out
    }()

    static let byteOfCharacter: [UInt32: UInt8] = {
        var out: [UInt32: UInt8] = [:]
        for (b, c) in characterOfByte.enumerated() { out[c.value] = UInt8(b) }
        return out
    }()

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characterOfByte[Int(b)]) }
        return String(s)
    }

    /// The bytes of a byte-level string, or nil if it holds a character outside the alphabet.
    static func decode(_ string: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(string.unicodeScalars.count)
        for c in string.unicodeScalars {
            guard let b = byteOfCharacter[c.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
