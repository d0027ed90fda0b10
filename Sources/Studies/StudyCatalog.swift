import Foundation
import Support
import Sweep

/// The built-in studies `scalelab reproduce` knows: `configs/quickstart.yaml` and every
/// `configs/labs/NN-name.yaml` that has a `study:` section. They are files, not code, so a lab is
/// read, edited and copied like any other sweep config.
public struct StudyCatalog: Sendable {
    public struct Entry {
        /// `quickstart` or the lab file's stem, e.g. `05-chinchilla`.
        public var name: String
        public var path: String
        public var sweep: SweepConfig
        public var settings: StudySettings
    }

    public let configsDirectory: URL

    public init(configsDirectory: URL) { self.configsDirectory = configsDirectory }

    /// The `configs/` folder: under the current directory, else beside the executable's checkout
    /// (`.build/<triple>/release/scalelab` → the repository root), so `reproduce` works from anywhere
    /// in a checkout and from the built binary.
    public static func locate(executable: String = CommandLine.arguments[0]) throws -> StudyCatalog {
        let fm = FileManager.default
        var candidates = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 { candidates.append(dir); dir = dir.deletingLastPathComponent() }
        for c in candidates {
            let configs = c.appendingPathComponent("configs")
            if fm.fileExists(atPath: configs.appendingPathComponent("quickstart.yaml").path) { return StudyCatalog(configsDirectory: configs) }
        }
        throw ScaleLabError.invalid("cannot find configs/quickstart.yaml in the current directory or above the scalelab executable; run from the ScaleLab checkout, or give a study file: scalelab reproduce path/to/study.yaml")
    }

    /// Every built-in study, the quickstart first, then the labs in order.
    public func entries() throws -> [Entry] {
        var paths = [configsDirectory.appendingPathComponent("quickstart.yaml").path]
        let labs = configsDirectory.appendingPathComponent("labs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: labs.path)) ?? []
        paths += names.filter { $0.hasSuffix(".yaml") }.sorted().map { labs.appendingPathComponent($0).path }
        return try paths.map(Self.load)
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
        let sweep = try SweepConfig.load(path: path)
        guard let settings = sweep.study else {
            throw ScaleLabError.config(file: path, key: "study", reason: "this sweep config has no study: section (title, expected_minutes, laws), so reproduce does not know what to fit; run it with 'scalelab sweep' instead")
        }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return Entry(name: stem, path: path, sweep: sweep, settings: settings)
    }
}
