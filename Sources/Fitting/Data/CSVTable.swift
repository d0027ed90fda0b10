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
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    public static func parse(_ text: String, path: String) throws -> CSVTable {
        var records: [[String]] = []
        var lines: [Int] = []
        var field = "", record: [String] = []
        var inQuotes = false, line = 1, recordLine = 1, sawAny = false
        var it = Array(text.unicodeScalars)[...]
        func endRecord() {
            record.append(field); field = ""
            if !(record.count == 1 && record[0].trimmingCharacters(in: .whitespaces).isEmpty) {
                records.append(record); lines.append(recordLine)
            }
            record = []
        }
        while let c = it.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if it.first == "\"" { it.removeFirst(); field.unicodeScalars.append("\"") } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": inQuotes = true; sawAny = true
            case ",": record.append(field); field = ""; sawAny = true
            case "\r": continue
            case "\n":
                endRecord(); line += 1; recordLine = line; sawAny = false
            default: field.unicodeScalars.append(c); sawAny = true
            }
        }
        if inQuotes { throw ScaleLabError.data(path: path, reason: "line \(recordLine): unterminated quoted field") }
        if sawAny || !field.isEmpty || !record.isEmpty { endRecord() }
        guard let header = records.first else { throw ScaleLabError.data(path: path, reason: "empty file: a header row is needed") }
        let trimmed = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [[String]] = []
        for (k, r) in records.enumerated().dropFirst() {
            guard r.count == trimmed.count else {
                throw ScaleLabError.data(path: path, reason: "line \(lines[k]): \(r.count) fields, header has \(trimmed.count)")
            }
            rows.append(r.map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return CSVTable(path: path, header: trimmed, rows: rows, lineNumbers: Array(lines.dropFirst()))
    }

    public func columnIndex(_ name: String) -> Int? { header.firstIndex(of: name) }
}
