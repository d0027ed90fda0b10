import Foundation
import Support

/// A CSV file read as text cells: a header row, then data rows (RFC 4180 quoting: fields in
/// double quotes may hold commas, and "" is a literal quote). Blank lines are skipped.
public struct CSVTable: Sendable {
    public let path: String
    public let header: [String]
    public let rows: [[String]]
    /// 1-based line number of each data row in the file, for error messages.
    public let lineNumbers: [Int]

    public init(path: String, header: [String], rows: [[String]], lineNumbers: [Int]) {
        self.path = path; self.header = header; self.rows = rows; self.lineNumbers = lineNumbers
    }

    public static func read(path: String) throws -> CSVTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScaleLabError.io(path: path, reason: "cannot read file")
        }
        return try parse(bytes: data, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> CSVTable {
        try parse(bytes: Data(text.utf8), path: path)
    }

    /// Parses UTF-8 bytes in one pass. Written by hand (Foundation has no CSV reader and the
    /// fuzzer owns this one): a field is a byte range unless it was quoted, not a `String` grown
    /// a character at a time (`fit` on a 10^6-row file, every row excluded: 9.2 s → 6.4 s end to
    /// end, one run each on a loaded machine; the fuzzer's csv target checks it on hostile bytes).
    public static func parse(bytes data: Data, path: String) throws -> CSVTable {
        var records: [[String]] = []
        var lines: [Int] = []
        var record: [String] = []
        var quoted: [UInt8] = []          // the current field's bytes, only while it has quotes
        var fieldStart = 0, fieldIsQuoted = false
        var inQuotes = false, line = 1, recordLine = 1, sawAny = false
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            let n = b.count
            var i = 0
            // Cells keep their bytes but carriage returns, as the character parser did.
            func field(_ end: Int) -> String {
                if fieldIsQuoted { return String(decoding: quoted, as: UTF8.self) }
                var e = end
                while e > fieldStart, b[e - 1] == cr { e -= 1 }
                let slice = UnsafeBufferPointer(rebasing: b[fieldStart..<e])
                if slice.firstIndex(of: cr) == nil { return String(decoding: slice, as: UTF8.self) }
                return String(decoding: slice.filter { $0 != cr }, as: UTF8.self)
            }
            func endField(_ end: Int) {
                record.append(field(end))
                quoted.removeAll(keepingCapacity: true); fieldIsQuoted = false; fieldStart = end + 1
            }
            func endRecord(_ end: Int) {
                endField(end)
                if !(record.count == 1 && record[0].trimmingCharacters(in: .whitespaces).isEmpty) {
                    records.append(record); lines.append(recordLine)
                }
                record = []
            }
            while i < n {
                let c = b[i]
                if inQuotes {
                    if c == quote {
                        if i + 1 < n, b[i + 1] == quote { quoted.append(quote); i += 2; continue }
                        inQuotes = false
                    } else {
                        if c == lf { line += 1 }
                        quoted.append(c)
                    }
                    i += 1; continue
                }
                switch c {
                case quote:
                    if !fieldIsQuoted {  // bytes before the quote belong to the field, as before
                        quoted = Array(b[fieldStart..<i]).filter { $0 != cr }; fieldIsQuoted = true
                    }
                    inQuotes = true; sawAny = true
                case comma: endField(i); sawAny = true
                case lf: endRecord(i); line += 1; recordLine = line; sawAny = false
                default:
                    if fieldIsQuoted, c != cr { quoted.append(c) }
                    if c != cr { sawAny = true }
                }
                i += 1
            }
            if !inQuotes, sawAny || !record.isEmpty { endRecord(n) }
        }
        if inQuotes { throw ScaleLabError.data(path: path, reason: "line \(recordLine): unterminated quoted field") }
        guard let header = records.first else { throw ScaleLabError.data(path: path, reason: "empty file: a header row is needed") }
        let trimmed = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [[String]] = []
        rows.reserveCapacity(records.count)
        for (k, r) in records.enumerated().dropFirst() {
            guard r.count == trimmed.count else {
                throw ScaleLabError.data(path: path, reason: "line \(lines[k]): \(r.count) fields, header has \(trimmed.count)")
            }
            rows.append(r.map(trimmedField))
        }
        return CSVTable(path: path, header: trimmed, rows: rows, lineNumbers: Array(lines.dropFirst()))
    }

    /// Trims spaces and tabs only when there are any (most cells have none).
    private static func trimmedField(_ s: String) -> String {
        guard let f = s.utf8.first, let l = s.utf8.last else { return s }
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        if f != space && f != tab && l != space && l != tab { return s }
        return s.trimmingCharacters(in: .whitespaces)
    }

    public func columnIndex(_ name: String) -> Int? { header.firstIndex(of: name) }
}
