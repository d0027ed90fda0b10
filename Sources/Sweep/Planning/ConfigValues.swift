import Foundation
import Support
import Training

/// A run config as dotted keys and text values (`training.lr` → `0.003`): the swept columns of
/// results.csv and the keys a grid may name.
enum ConfigValues {
    static func flatten(_ config: RunConfig) -> [String: String] {
        guard let object = jsonObject(config) else { return [:] }
        var out: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            if let d = value as? [String: Any] {
                for (k, v) in d { walk(v, path.isEmpty ? k : "\(path).\(k)") }
            } else {
                out[path] = text(value)
            }
        }
        walk(object, "")
        return out
    }

    /// The values of `keys` only (the swept columns of one run).
    static func values(_ config: RunConfig, keys: [String]) -> [String: String] {
        guard !keys.isEmpty, let object = jsonObject(config) else { return [:] }
        var out: [String: String] = [:]
        for key in keys {
            var value: Any? = object
            for part in key.split(separator: ".") { value = (value as? [String: Any])?[String(part)] }
            out[key] = value.map(text) ?? ""
        }
        return out
    }

    static func jsonObject(_ config: RunConfig) -> [String: Any]? {
        guard let data = try? JSONEncoder().encode(config) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    static func text(_ value: Any) -> String {
        switch value {
        case let list as [Any]: return list.map(text).joined(separator: ";")
        case let n as NSNumber:
            // JSON true/false arrive as NSNumber holding a C char ("c"), integers as "q".
            let type = String(cString: n.objCType)
            if type == "c" { return n.boolValue ? "true" : "false" }
            if type == "d" || type == "f" { return "\(n.doubleValue)" }
            return "\(n.int64Value)"
        case let s as String: return s
        case is NSNull: return ""
        default: return "\(value)"
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
