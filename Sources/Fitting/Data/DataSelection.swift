import Support

/// How to read and select the rows of an input: column names, `--where` filters, and the
/// number of highest-loss runs to drop (Besiroglu et al. 2024 drop the 5 highest).
public struct DataSelection: Sendable {
    /// Column (or summary.json key, dotted for nested objects) holding each quantity, when it is
    /// not the default. The key `run` names the column that identifies runs.
    public var columns: [String: String] = [:]
    public var filters: [RowFilter] = []
    public var dropHighestLoss: Int = 0

    public init(columns: [String: String] = [:], filters: [RowFilter] = [], dropHighestLoss: Int = 0) {
        self.columns = columns; self.filters = filters; self.dropHighestLoss = dropHighestLoss
    }

    /// Keys `--map` accepts besides the quantities.
    static let extraKeys = ["run", "status"]

    /// Parses `QUANTITY=COLUMN` (the column may contain spaces or '=').
    public mutating func addMapping(_ text: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw ScaleLabError.invalid("--map '\(text)': expected QUANTITY=COLUMN, e.g. N=\"Model Size\"")
        }
        let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let column = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        guard Quantity(rawValue: key) != nil || Self.extraKeys.contains(key) else {
            throw ScaleLabError.invalid("--map '\(text)': unknown quantity '\(key)'; use one of \((Quantity.allCases.map(\.rawValue) + Self.extraKeys).joined(separator: ", "))")
        }
        guard !column.isEmpty else { throw ScaleLabError.invalid("--map '\(text)': empty column name") }
        columns[key] = column
    }
}

import Foundation
