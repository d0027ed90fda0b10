import Foundation
import Support

/// `--fix NAME=VALUE`, `--fix NAME=OTHER` (tie two parameters, e.g. `alpha=beta` as in the
/// data-constrained paper) and `--bound 'NAME<=VALUE'` / `'NAME>=VALUE'`, in the parameters' own
/// (natural) units: `--fix E=1.4532` fixes the irreducible loss at a known entropy.
public struct ParameterConstraints: Sendable, Equatable {
    public enum Fix: Sendable, Equatable {
        case value(Double)
        /// Equal to another parameter of the same law.
        case tied(String)
    }

    public var fixes: [String: Fix] = [:]
    /// Lower and upper bounds by name (either may be nil).
    public var lower: [String: Double] = [:]
    public var upper: [String: Double] = [:]
    /// Apply the physical defaults (E between 0 and the smallest observed loss, exponents
    /// positive) to parameters the user did not bound.
    public var physicalDefaults = true

    public init() {}

    public var isEmpty: Bool { fixes.isEmpty && lower.isEmpty && upper.isEmpty }

    /// Every parameter name the constraints mention.
    public var names: Set<String> {
        var s = Set(fixes.keys).union(lower.keys).union(upper.keys)
        for case let .tied(other) in fixes.values { s.insert(other) }
        return s
    }

    /// Only the constraints on `names` (a procedure that fits part of a law's parameters).
    public func restricted(to names: [String]) -> ParameterConstraints {
        var c = self
        let keep = Set(names)
        c.fixes = fixes.filter { keep.contains($0.key) }
        c.lower = lower.filter { keep.contains($0.key) }
        c.upper = upper.filter { keep.contains($0.key) }
        return c
    }

    /// Parses `NAME=VALUE` or `NAME=OTHER`.
    public mutating func addFix(_ text: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw ScaleLabError.invalid("--fix '\(text)': expected NAME=VALUE (e.g. E=1.45) or NAME=OTHER (e.g. alpha=beta)")
        }
        let name = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let rhs = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !rhs.isEmpty else { throw ScaleLabError.invalid("--fix '\(text)': empty name or value") }
        if let v = Double(rhs) {
            guard v.isFinite else { throw ScaleLabError.invalid("--fix '\(text)': the value must be a finite number") }
            fixes[name] = .value(v)
        } else {
            guard rhs != name else { throw ScaleLabError.invalid("--fix '\(text)': a parameter cannot be tied to itself") }
            fixes[name] = .tied(rhs)
        }
    }

    /// Parses `NAME<=VALUE`, `NAME>=VALUE` (strict `<`, `>` read the same), or `LO<=NAME<=HI`.
    public mutating func addBound(_ text: String) throws {
        let t = text.replacingOccurrences(of: " ", with: "")
        let parts = t.components(separatedBy: "<=").flatMap { $0.components(separatedBy: "<") }.filter { !$0.isEmpty }
        if t.contains("<"), parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[2]), Double(parts[1]) == nil {
            try set(parts[1], lower: lo, text); try set(parts[1], upper: hi, text); return
        }
        for (op, isUpper) in [("<=", true), (">=", false), ("<", true), (">", false)] {
            guard let r = t.range(of: op) else { continue }
            let lhs = String(t[..<r.lowerBound]), rhs = String(t[r.upperBound...])
            if let v = Double(rhs), Double(lhs) == nil, !lhs.isEmpty {
                if isUpper { try set(lhs, upper: v, text) } else { try set(lhs, lower: v, text) }
                return
            }
            if let v = Double(lhs), Double(rhs) == nil, !rhs.isEmpty {  // 2.1>=E
                if isUpper { try set(rhs, lower: v, text) } else { try set(rhs, upper: v, text) }
                return
            }
        }
        throw ScaleLabError.invalid("--bound '\(text)': expected NAME<=VALUE, NAME>=VALUE or LO<=NAME<=HI (e.g. 'E<=2.1')")
    }

    private mutating func set(_ name: String, lower v: Double, _ text: String) throws {
        guard v.isFinite else { throw ScaleLabError.invalid("--bound '\(text)': bounds must be finite numbers") }
        lower[name] = v
        if let u = upper[name], u < v { throw ScaleLabError.invalid("--bound '\(text)': lower bound \(v) above upper bound \(u) for \(name)") }
    }

    private mutating func set(_ name: String, upper v: Double, _ text: String) throws {
        guard v.isFinite else { throw ScaleLabError.invalid("--bound '\(text)': bounds must be finite numbers") }
        upper[name] = v
        if let l = lower[name], l > v { throw ScaleLabError.invalid("--bound '\(text)': upper bound \(v) below lower bound \(l) for \(name)") }
    }

    /// Throws when a name is not a parameter of `law` (listing the law's parameters).
    public func validate(for law: LawName, parameters: [String]) throws {
        let unknown = names.subtracting(parameters).sorted()
        guard unknown.isEmpty else {
            guard !parameters.isEmpty else {
                throw ScaleLabError.invalid("law \(law.rawValue) takes no --fix or --bound (it has no parameters fitted by an optimiser); fit it separately from laws that do")
            }
            throw ScaleLabError.invalid("--fix/--bound name \(unknown.map { "'\($0)'" }.joined(separator: ", ")) is not a parameter of law \(law.rawValue); its parameters are \(parameters.joined(separator: ", "))")
        }
    }
}
