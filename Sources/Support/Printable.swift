/// Text from a file made safe to print: a hostile file must not be able to send terminal control
/// sequences (or megabytes of garbage) through an error message.
public enum Printable {
    /// Control characters, DEL and the replacement character (what invalid UTF-8 decodes to) as
    /// `\u{…}` escapes; line breaks and tabs kept only when `keepLines`; cut to `limit` characters.
    public static func escaped(_ text: String, keepLines: Bool = false, limit: Int = 400) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit { out += "…"; break }
            count += 1
            switch scalar {
            case "\n" where keepLines, "\t" where keepLines: out.unicodeScalars.append(scalar)
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFD
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value):
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
