import Foundation
import Support

/// A `--where` condition: `QUANTITY OP NUMBER` with OP one of < <= > >= == !=, e.g. `loss<3.44`.
public struct RowFilter: Sendable, Equatable, CustomStringConvertible {
    public enum Op: String, Sendable, CaseIterable { case le = "<=", ge = ">=", eq = "==", ne = "!=", lt = "<", gt = ">" }
    public var quantity: Quantity
    public var op: Op
    public var value: Double

    public init(quantity: Quantity, op: Op, value: Double) { self.quantity = quantity; self.op = op; self.value = value }

    public init(parsing text: String) throws {
        // Two-character operators first so "<=" is not read as "<".
        for op in Op.allCases {
            guard let r = text.range(of: op.rawValue) else { continue }
            let name = text[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            let number = text[r.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let q = Quantity(rawValue: name) else {
                throw ScaleLabError.invalid("--where '\(text)': unknown quantity '\(name)'; use one of \(Quantity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let v = Double(number), v.isFinite else {
                throw ScaleLabError.invalid("--where '\(text)': '\(number)' is not a number")
            }
            self.init(quantity: q, op: op, value: v)
            return
        }
        throw ScaleLabError.invalid("--where '\(text)': expected QUANTITY OP NUMBER with OP one of < <= > >= == != (e.g. 'loss<3.44')")
    }

    /// Rows without the quantity fail the condition.
    public func accepts(_ o: Observation) -> Bool {
        guard let x = o[quantity] else { return false }
        switch op {
        case .lt: return x < value
        case .le: return x <= value
        case .gt: return x > value
        case .ge: return x >= value
        case .eq: return x == value
        case .ne: return x != value
        }
    }

    public var description: String { "\(quantity.rawValue)\(op.rawValue)\(formatNumber(value))" }
}

func formatNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
}
