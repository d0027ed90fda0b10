import Foundation
import Support

/// Expands a `local` source into its input files and streams their documents.
enum LocalInputs {
    struct Input { let name: String; let path: String }

    /// Files in the order given; a directory contributes all regular files below it (sorted), a
    /// glob (`*`, `?`, `[`) its sorted matches. Relative entries resolve against `baseDirectory`;
    /// document names are the entry-relative paths, so the split does not depend on where the
    /// data lives.
    static func resolve(_ source: LocalSource, baseDirectory: URL, manifestFile: String) throws -> [Input] {
        var inputs: [Input] = []
        for (i, entry) in source.paths.enumerated() {
            let expanded = (entry as NSString).expandingTildeInPath
            let absolute = expanded.hasPrefix("/") ? expanded : baseDirectory.appendingPathComponent(expanded).path
            let key = "source.paths[\(i)]"
            if entry.contains(where: { "*?[".contains($0) }) {
                var g = glob_t()
                defer { globfree(&g) }
                guard glob(absolute, 0, nil, &g) == 0, g.gl_pathc > 0 else {
                    throw ScaleLabError.config(file: manifestFile, key: key, reason: "'\(entry)' matches no file")
                }
                let matches = (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
                inputs += matches.filter { !isDirectory($0) }.map { Input(name: relative($0, to: baseDirectory), path: $0) }
            } else if isDirectory(absolute) {
                let files = FileChunks.regularFiles(under: URL(fileURLWithPath: absolute))
                guard !files.isEmpty else { throw ScaleLabError.config(file: manifestFile, key: key, reason: "directory '\(entry)' holds no files") }
                inputs += files.map { Input(name: "\(entry)/\($0)", path: absolute + "/" + $0) }
            } else if FileManager.default.fileExists(atPath: absolute) {
                inputs.append(Input(name: entry, path: absolute))
            } else {
                throw ScaleLabError.config(file: manifestFile, key: key, reason: "'\(absolute)' does not exist")
            }
        }
        return inputs
    }

    /// Path, size and modification time of every input: part of the cache key, so an edited
    /// file is noticed without hashing the whole corpus on every call.
    static func fingerprint(_ inputs: [Input]) throws -> String {
        try inputs.map { input in
            var st = stat()
            guard stat(input.path, &st) == 0 else { throw ScaleLabError.io(path: input.path, reason: FileSystemError.describe(errno)) }
            return "\(input.name)\t\(st.st_size)\t\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }.joined(separator: "\n")
    }

    /// Calls `document(name, bytes-producer)` for each document: a whole text file, or one JSONL
    /// record's `text_field`. The producer streams the document's bytes into a sink.
    static func forEachDocument(_ inputs: [Input], format: LocalSource.Format, textField: String,
                                _ document: (String, (OutputBuffer) throws -> Void) throws -> Void) throws {
        for input in inputs {
            switch format {
            case .text:
                try document(input.name) { out in try FileChunks.forEach(input.path) { try out.append($0) } }
            case .jsonl:
                var line: [UInt8] = []
                var lineNumber = 0
                func finishLine() throws {
                    lineNumber += 1
                    defer { line.removeAll(keepingCapacity: true) }
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
                    let where_ = "\(input.path):\(lineNumber)"
                    let object: Any
                    do { object = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                        throw ScaleLabError.data(path: where_, reason: "not a valid JSON value")
                    }
                    guard let record = object as? [String: Any] else { throw ScaleLabError.data(path: where_, reason: "expected a JSON object") }
                    guard let text = record[textField] as? String else {
                        throw ScaleLabError.data(path: where_, reason: record[textField] == nil
                            ? "no field '\(textField)' (set text_field / --text-field)" : "field '\(textField)' is not a string")
                    }
                    try document("\(input.name):\(lineNumber)") { out in try out.append(Array(text.utf8)) }
                }
                try FileChunks.forEach(input.path) { chunk in
                    var start = 0
                    for i in 0..<chunk.count where chunk[i] == 0x0A {
                        line += chunk[start..<i]
                        try finishLine()
                        start = i + 1
                    }
                    line += chunk[start..<chunk.count]
                }
                if !line.isEmpty { try finishLine() }
            }
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }

    private static func relative(_ path: String, to base: URL) -> String {
        let prefix = base.path.hasSuffix("/") ? base.path : base.path + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

#if canImport(Glibc)
import Glibc
#endif
