import Foundation
import Support

extension RunConfig {
    /// The dotted keys (`model.d_model`) whose values differ between two configs, with both values,
    /// sorted by key. Used to refuse resuming a checkpoint under a different config, naming what differs.
    public func differences(from other: RunConfig) throws -> [(key: String, this: String, other: String)] {
        let a = try flattened(), b = try other.flattened()
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            a[key] == b[key] ? nil : (key, a[key] ?? "(absent)", b[key] ?? "(absent)")
        }
    }

    func flattened() throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self))
        var out: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            if let d = value as? [String: Any] {
                for (k, v) in d { walk(v, path.isEmpty ? k : "\(path).\(k)") }
            } else if let list = value as? [Any] {
                out[path] = "[" + list.map { "\($0)" }.joined(separator: ", ") + "]"
            } else {
                out[path] = "\(value)"
            }
        }
        walk(object, "")
        return out
    }
}
