import Foundation
import Support
import Training

/// A run config as dotted keys and text values (`training.lr` → `0.003`): the swept columns of
/// results.csv and the keys a grid may name.
enum ConfigValues {
    static func flatten(_ config: RunConfig) -> [String: String] {
        guard let data = try? JSONEncoder().encode(config), let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [:] }
        var out: [String: String] = [:]
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case let .object(d): for (k, v) in d { walk(v, path.isEmpty ? k : "\(path).\(k)") }
            case let .array(list): out[path] = list.map(\.text).joined(separator: ";")
            default: out[path] = value.text
            }
        }
        walk(value, "")
        return out
    }
}

/// Any JSON value, decoded without Foundation's bridging (so true stays a Bool, 1 an integer).
enum JSONValue: Decodable {
    case bool(Bool), int(Int), double(Double), string(String), null
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var text: String {
        switch self {
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return "\(d)"
        case let .string(s): return s
        case .null: return ""
        case let .array(a): return a.map(\.text).joined(separator: ";")
        case .object: return ""
        }
    }
}

/// Run ids: a stable hash of the resolved run config, leaving out what does not change the result
/// of the run (its display name, and the thread count, which the executor picks), so an edited
/// sweep reuses every run that did not change and two sweeps can share a run.
public enum RunID {
    public static func of(_ config: RunConfig, salt: String = "") -> String {
        var c = config
        c.name = ""; c.threads = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hasher = SHA256()
        hasher.update(Array(salt.utf8))
        hasher.update(Array((try? encoder.encode(c)) ?? Data()))
        return String(hasher.finalizeHex().prefix(12))
    }
}
