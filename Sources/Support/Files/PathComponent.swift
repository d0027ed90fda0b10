/// Names that become one directory or file name (run names, sweep names, run ids) are checked
/// before any path is formed from them, so no name can reach outside the directory meant for it.
public enum PathComponent {
    /// Longest name accepted, in UTF-8 bytes (file systems allow 255; room is left for suffixes).
    public static let maxBytes = 200

    /// Why `name` cannot be a single path component, or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name == "." || name == ".." { return "'\(name)' is not a name (it would name a directory outside the runs directory)" }
        if name.contains("/") || name.contains("\\") { return "must be a single name, without '/' or '\\'" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "must not contain control characters" }
        if name.utf8.count > maxBytes { return "is \(name.utf8.count) bytes long; at most \(maxBytes)" }
        if name.hasPrefix(".") { return "must not start with '.' (hidden names are reserved for temporary files)" }
        return nil
    }
}
