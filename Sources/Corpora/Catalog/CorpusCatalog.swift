import Foundation
import Support

/// A manifest together with the file it came from (errors name that file; relative paths in a
/// `local` source resolve against its directory).
public struct LoadedManifest: Sendable {
    public let manifest: CorpusManifest
    public let file: URL
    /// How errors name the manifest: its path, or "command line" for `--local`.
    public let label: String
    public init(manifest: CorpusManifest, file: URL, label: String? = nil) {
        self.manifest = manifest; self.file = file; self.label = label ?? file.path
    }
}

/// Finds corpus manifests: a NAME resolves to `<directory>/NAME.yaml`, else to the manifest of
/// that name built into the binary (`BuiltinCorpusManifests`, the repository's `corpora/`), so an
/// installed `scalelab` needs no checkout. Anything containing '/' or ending in `.yaml`/`.yml` is
/// taken as a path to a manifest.
///
/// The directory is, in order: the one given (`--corpora DIR`), `$SCALELAB_CORPORA`, or the first
/// `corpora/` found in the current directory or one of its parents; there may be none.
public struct CorpusCatalog: Sendable {
    public let directory: URL?

    public init(directory: String? = nil) {
        if let directory { self.directory = URL(fileURLWithPath: directory); return }
        if let env = ProcessInfo.processInfo.environment["SCALELAB_CORPORA"], !env.isEmpty {
            self.directory = URL(fileURLWithPath: env); return
        }
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while true {
            let candidate = dir.appendingPathComponent("corpora")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                self.directory = candidate; return
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        self.directory = nil
    }

    /// Every manifest in the directory and every built-in one it does not shadow, sorted by name.
    public func list() throws -> [LoadedManifest] {
        var found: [LoadedManifest] = []
        if let directory {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            found = try files.map { try Self.load(file: directory.appendingPathComponent($0)) }
        }
        let names = Set(found.map(\.manifest.name))
        for name in BuiltinCorpusManifests.files.keys.sorted() where !names.contains(name) { found.append(try Self.builtin(name)) }
        return found.sorted { $0.manifest.name < $1.manifest.name }
    }

    public func load(_ nameOrPath: String) throws -> LoadedManifest {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            return try Self.load(file: URL(fileURLWithPath: nameOrPath))
        }
        if let directory {
            for ext in ["yaml", "yml"] {
                let file = directory.appendingPathComponent("\(nameOrPath).\(ext)")
                if FileManager.default.fileExists(atPath: file.path) { return try Self.load(file: file) }
            }
        }
        if BuiltinCorpusManifests.files[nameOrPath] != nil { return try Self.builtin(nameOrPath) }
        let known = (try? list().map(\.manifest.name).joined(separator: ", ")) ?? ""
        let place = directory.map { " in \($0.path) or built in" } ?? " built in"
        throw ScaleLabError.invalid("no corpus named '\(nameOrPath)'\(place) (known: \(known))")
    }

    /// A manifest built into the binary; errors name it `built-in corpora/NAME.yaml`.
    static func builtin(_ name: String) throws -> LoadedManifest {
        guard let text = BuiltinCorpusManifests.files[name] else { throw ScaleLabError.invalid("no built-in corpus named '\(name)'") }
        let label = "built-in corpora/\(name).yaml"
        let manifest = try StrictYAML.decode(CorpusManifest.self, from: text, file: label)
        try manifest.validate(file: label)
        return LoadedManifest(manifest: manifest, file: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                                .appendingPathComponent("\(name).yaml"), label: label)
    }

    public static func load(file: URL) throws -> LoadedManifest {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ScaleLabError.io(path: file.path, reason: "cannot read manifest (missing or unreadable)")
        }
        let manifest = try StrictYAML.decode(CorpusManifest.self, from: String(decoding: data, as: UTF8.self), file: file.path)
        try manifest.validate(file: file.path)
        return LoadedManifest(manifest: manifest, file: file)
    }
}
