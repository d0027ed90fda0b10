import Foundation
import Support
import Yams

/// A YAML node with its file and dotted key path, so that every error a sweep config raises names
/// the file, the line and the key (`sweep.yaml:12: key 'isoflop.budgets[2]': …`).
struct ConfigNode {
    let node: Node
    let file: String
    let path: String

    var line: Int? { node.mark?.line }
    var location: String { line.map { "\(file):\($0)" } ?? file }

    func error(_ reason: String, key: String? = nil) -> ScaleLabError {
        .config(file: location, key: key ?? (path.isEmpty ? "(document)" : path), reason: reason)
    }

    func child(_ key: String, _ node: Node) -> ConfigNode {
        ConfigNode(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// The mapping's entries in file order; throws when the node is not a mapping.
    func entries() throws -> [(key: String, value: ConfigNode, line: Int?)] {
        guard case let .mapping(m) = node else { throw error("expected a mapping (key: value pairs)") }
        return try m.map { k, v in
            guard let name = k.string else { throw error("keys must be plain strings") }
            return (name, child(name, v), k.mark?.line)
        }
    }

    /// Checks that every key of the mapping is one of `allowed`, suggesting the nearest one.
    func requireKeys(_ allowed: [String]) throws -> [String: ConfigNode] {
        var out: [String: ConfigNode] = [:]
        for (key, value, line) in try entries() {
            guard allowed.contains(key) else {
                let hint = Suggestion.nearest(to: key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw ScaleLabError.config(file: line.map { "\(file):\($0)" } ?? file, key: path.isEmpty ? key : "\(path).\(key)",
                                           reason: "unknown key\(hint); expected one of: \(allowed.joined(separator: ", "))")
            }
            out[key] = value
        }
        return out
    }

    func items() throws -> [ConfigNode] {
        guard case let .sequence(s) = node else { throw error("expected a list, e.g. [1, 2, 3]") }
        return s.enumerated().map { ConfigNode(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A list, or one value taken as a list of one.
    func itemsOrOne() throws -> [ConfigNode] {
        if case .sequence = node { return try items() }
        return [self]
    }

    func string() throws -> String {
        guard case let .scalar(s) = node else { throw error("expected a string") }
        return s.string
    }

    func bool() throws -> Bool {
        guard let b = node.bool else { throw error("expected true or false") }
        return b
    }

    /// A number written as an integer or in exponent notation (`1e6`), which must be whole.
    func int() throws -> Int {
        if let i = node.int { return i }
        guard let d = node.float, d.isFinite, d == d.rounded(), abs(d) < 9e18 else {
            throw error("expected a whole number, got '\(node.string ?? "?")'")
        }
        return Int(d)
    }

    func double() throws -> Double {
        guard let d = node.float ?? node.int.map(Double.init), d.isFinite else {
            throw error("expected a number, got '\(node.string ?? "?")'")
        }
        return d
    }

    func positiveDouble() throws -> Double {
        let d = try double()
        guard d > 0 else { throw error("must be positive, got \(d)") }
        return d
    }

    func positiveInt() throws -> Int {
        let i = try int()
        guard i > 0 else { throw error("must be at least 1, got \(i)") }
        return i
    }
}
