import Foundation
import Yams

/// YAML text whose numbers read back bit for bit. Yams writes a Double between 1e-4 and 1e16
/// through NumberFormatter, which keeps about 14 digits (0.02257687886816698 became
/// 2.2576878868167e-2), so a run config read back from `sweep.yaml` trained with a learning rate
/// 1e-15 off — a Slurm task's run was not the local run, bit for bit — and hashed to another run
/// id. Swift's JSONEncoder writes the shortest digits that round-trip; JSON is YAML, so the JSON
/// is composed into YAML nodes and emitted in block style, keys sorted, with keys and plain-safe
/// strings unquoted.
public enum ExactYAML {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        // Sorted keys: JSONEncoder's own key order is not stable from one process to the next,
        // and `train` compares a run directory's config.yaml with the config it is given as text.
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: ".inf", negativeInfinity: "-.inf", nan: ".nan")
        let json = String(decoding: try encoder.encode(value), as: UTF8.self)
        guard let node = try Yams.compose(yaml: json) else { return "" }
        return try Yams.serialize(node: restyled(node))
    }

    /// Block style for collections; plain style for keys and for strings that read back as the
    /// same string (no number, boolean or null look-alikes).
    static func restyled(_ node: Node) -> Node {
        switch node {
        case let .mapping(m):
            var pairs: [(Node, Node)] = []
            for (k, v) in m { pairs.append((restyled(k), restyled(v))) }
            return .mapping(Node.Mapping(pairs, m.tag, .block))
        case let .sequence(s):
            let items = s.map(restyled)
            // Short lists of numbers stay on one line, as a person would write them.
            let flow = items.count <= 16 && items.allSatisfy { if case let .scalar(x) = $0 { return x.style == .plain } else { return false } }
            return .sequence(Node.Sequence(items, s.tag, flow ? .flow : .block))
        case let .scalar(x):
            guard x.style == .doubleQuoted, isPlainSafe(x.string) else { return node }
            return .scalar(Node.Scalar(x.string, x.tag, .plain))
        case .alias:
            return node
        }
    }

    static func isPlainSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, CharacterSet.letters.contains(first) else { return false }
        guard s.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "_-./".unicodeScalars.contains($0) }) else { return false }
        let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"]
        return !reserved.contains(s.lowercased())
    }
}
