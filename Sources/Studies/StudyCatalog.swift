import Foundation
import Support
import Sweep

/// The built-in studies `scalelab reproduce` knows: `configs/quickstart.yaml` and every
/// `configs/labs/NN-name.yaml`. They are sweep configs with a `study:` section, read, edited and
/// copied like any other; the binary carries a copy (BuiltinStudies) for use outside a checkout.
public struct StudyCatalog: Sendable {
    public struct Entry {
        /// `quickstart` or the lab file's stem, e.g. `05-chinchilla`.
        public var name: String
        /// The file it was read from, or `built-in:<name>.yaml`.
        public var path: String
        public var sweep: SweepConfig
        public var settings: StudySettings
    }

    public enum Source: Sendable {
        /// A checkout's `configs/` folder: edits to its files take effect.
        case directory(URL)
        /// The copies compiled into the binary.
        case builtin
    }

    public let source: Source

    public init(source: Source) { self.source = source }

    /// The `configs/` folder under the current directory, else beside the executable's checkout
    /// (`.build/<triple>/release/scalelab` → the repository root), else the built-in copies.
    public static func locate(executable: String = CommandLine.arguments[0]) -> StudyCatalog {
        let fm = FileManager.default
        var candidates = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 { candidates.append(dir); dir = dir.deletingLastPathComponent() }
        for c in candidates {
            let configs = c.appendingPathComponent("configs")
            if fm.fileExists(atPath: configs.appendingPathComponent("quickstart.yaml").path) { return StudyCatalog(source: .directory(configs)) }
        }
        return StudyCatalog(source: .builtin)
    }

    /// Every built-in study, the quickstart first, then the labs in order.
    public func entries() throws -> [Entry] {
        switch source {
        case let .directory(configs):
            var paths = [configs.appendingPathComponent("quickstart.yaml").path]
            let labs = configs.appendingPathComponent("labs")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: labs.path)) ?? []
            paths += names.filter { $0.hasSuffix(".yaml") }.sorted().map { labs.appendingPathComponent($0).path }
            return try paths.map(Self.load)
        case .builtin:
            let names = BuiltinStudies.files.keys.sorted { ($0 == "quickstart" ? "" : $0) < ($1 == "quickstart" ? "" : $1) }
            return try names.map { name in
                try Self.entry(name: name, path: "built-in:\(name).yaml", sweep: SweepConfig.parse(yaml: BuiltinStudies.files[name] ?? "", source: "built-in:\(name).yaml"))
            }
        }
    }

    /// `quickstart`, a lab's full stem (`05-chinchilla`), its number (`05`, `5`) or a path to a study file.
    public func entry(named name: String) throws -> Entry {
        if name.hasSuffix(".yaml") || name.contains("/") { return try Self.load(name) }
        let all = try entries()
        if let e = all.first(where: { $0.name == name }) { return e }
        if let n = Int(name), let e = all.first(where: { Int($0.name.prefix(while: \.isNumber)) == n }) { return e }
        let names = all.map(\.name)
        let hint = Suggestion.nearest(to: name, in: names).map { " (did you mean '\($0)'?)" } ?? ""
        throw ScaleLabError.invalid("no study named '\(name)'\(hint); the studies are: \(names.joined(separator: ", ")) (scalelab reproduce --list)")
    }

    public static func load(_ path: String) throws -> Entry {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try entry(name: stem, path: path, sweep: SweepConfig.load(path: path))
    }

    static func entry(name: String, path: String, sweep: SweepConfig) throws -> Entry {
        guard let settings = sweep.study else {
            throw ScaleLabError.config(file: path, key: "study", reason: "this sweep config has no study: section (title, expected_minutes, laws), so reproduce does not know what to fit; run it with 'scalelab sweep' instead")
        }
        return Entry(name: name, path: path, sweep: sweep, settings: settings)
    }
}
