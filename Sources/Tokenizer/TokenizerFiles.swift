import Foundation
import Support

/// Reading and writing the two interchange formats:
/// - Hugging Face `tokenizer.json`: model type BPE, ByteLevel pre-tokenizer (GPT-2 regex, no
///   prefix space) and decoder, `vocab` (byte-level string → id), `merges` ("left right"), special
///   tokens in `added_tokens` (and in `vocab`, as GPT-2's file has them).
/// - GPT-2 `vocab.json` (byte-level string → id) + `merges.txt` (`#version: 0.2`, then one
///   "left right" merge per line, rank order). Vocabulary entries that are neither single bytes
///   nor merge results are special tokens (GPT-2's `<|endoftext|>`).
extension BPETokenizer {
    public static let huggingFaceFileName = "tokenizer.json"
    public static let vocabFileName = "vocab.json"
    public static let mergesFileName = "merges.txt"

    /// Writes `tokenizer.json`, `vocab.json` and `merges.txt` into `directory` (created if
    /// needed), each atomically.
    public func save(to directory: URL) throws {
        let (vocab, merges) = try byteLevelEntries()
        try AtomicFile.write(huggingFaceJSON(vocab: vocab, merges: merges), to: directory.appendingPathComponent(Self.huggingFaceFileName))
        var vocabJSON = "{\n"
        vocabJSON += vocab.enumerated().map { "  \(jsonString($1)): \($0)" }.joined(separator: ",\n")
        vocabJSON += "\n}\n"
        try AtomicFile.write(vocabJSON, to: directory.appendingPathComponent(Self.vocabFileName))
        try AtomicFile.write("#version: 0.2\n" + merges.map { "\($0.0) \($0.1)\n" }.joined(), to: directory.appendingPathComponent(Self.mergesFileName))
    }

    /// Loads a tokenizer from a directory (its `tokenizer.json`, else its `vocab.json` +
    /// `merges.txt`), a `tokenizer.json` file, or a `vocab.json` file (with `merges.txt` beside it).
    public static func load(from url: URL) throws -> BPETokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ScaleLabError.io(path: url.path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            let hf = url.appendingPathComponent(huggingFaceFileName)
            if FileManager.default.fileExists(atPath: hf.path) { return try loadHuggingFace(hf) }
            let vocab = url.appendingPathComponent(vocabFileName)
            guard FileManager.default.fileExists(atPath: vocab.path) else {
                throw ScaleLabError.data(path: url.path, reason: "holds neither \(huggingFaceFileName) nor \(vocabFileName) + \(mergesFileName)")
            }
            return try loadGPT2(vocab: vocab, merges: url.appendingPathComponent(mergesFileName))
        }
        if url.lastPathComponent == vocabFileName {
            return try loadGPT2(vocab: url, merges: url.deletingLastPathComponent().appendingPathComponent(mergesFileName))
        }
        return try loadHuggingFace(url)
    }

    // MARK: Writing

    /// Byte-level strings of all ids (special tokens verbatim) and of all merges.
    private func byteLevelEntries() throws -> ([String], [(String, String)]) {
        let specialIds = Set(specialTokens.map(\.id))
        var vocab: [String] = []
        var seen: [String: Int] = [:]
        for id in 0..<vocabSize {
            let s = specialIds.contains(UInt32(id)) ? specialTokens.first { $0.id == UInt32(id) }!.content
                                                     : ByteLevelAlphabet.encode(tables.bytes(of: id))
            if let other = seen.updateValue(id, forKey: s) {
                throw ScaleLabError.invalid("ids \(other) and \(id) would both be written as \(jsonString(s)); a special token must not equal an ordinary token")
            }
            vocab.append(s)
        }
        return (vocab, merges.map { (vocab[Int($0.left)], vocab[Int($0.right)]) })
    }

    private func huggingFaceJSON(vocab: [String], merges: [(String, String)]) -> String {
        let added = specialTokens.map {
            "    {\"id\": \($0.id), \"content\": \(jsonString($0.content)), \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}"
        }
        let byteLevel = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true}"
        var s = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n"
        s += "  \"added_tokens\": [\n" + added.joined(separator: ",\n") + (added.isEmpty ? "" : "\n") + "  ],\n"
        s += "  \"normalizer\": null,\n  \"pre_tokenizer\": \(byteLevel),\n  \"post_processor\": null,\n  \"decoder\": \(byteLevel),\n"
        s += "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n"
        s += "    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n"
        s += "    \"vocab\": {\n" + vocab.enumerated().map { "      \(jsonString($1)): \($0)" }.joined(separator: ",\n") + "\n    },\n"
        s += "    \"merges\": [\n" + merges.map { "      \(jsonString("\($0.0) \($0.1)"))" }.joined(separator: ",\n") + "\n    ]\n  }\n}\n"
        return s
    }

    // MARK: Reading

    private static func loadHuggingFace(_ url: URL) throws -> BPETokenizer {
        try parseHuggingFace(try readFile(url), source: url)
    }

    /// A `tokenizer.json` held in memory (`source` names it in errors).
    static func parseHuggingFace(_ data: Data, source url: URL) throws -> BPETokenizer {
        let root = try parseJSONObject(data, source: url)
        guard let model = root["model"] as? [String: Any] else { throw ScaleLabError.data(path: url.path, reason: "missing object 'model'") }
        guard (model["type"] as? String) == "BPE" else {
            throw ScaleLabError.data(path: url.path, reason: "'model.type' is \(model["type"] ?? "missing"), only BPE is supported")
        }
        for key in ["normalizer"] where !(root[key] == nil || root[key] is NSNull) {
            throw ScaleLabError.data(path: url.path, reason: "'\(key)' is set; only tokenizers without a normalizer are supported")
        }
        if let pre = root["pre_tokenizer"] as? [String: Any] {
            guard (pre["type"] as? String) == "ByteLevel", (pre["add_prefix_space"] as? Bool) != true, (pre["use_regex"] as? Bool) != false else {
                throw ScaleLabError.data(path: url.path, reason: "'pre_tokenizer' must be ByteLevel with add_prefix_space false and use_regex true")
            }
        }
        guard let vocab = model["vocab"] as? [String: Any] else { throw ScaleLabError.data(path: url.path, reason: "missing object 'model.vocab'") }
        guard let rawMerges = model["merges"] as? [Any] else { throw ScaleLabError.data(path: url.path, reason: "missing array 'model.merges'") }
        var merges: [(String, String)] = []
        merges.reserveCapacity(rawMerges.count)
        for (i, m) in rawMerges.enumerated() {
            if let s = m as? String, let pair = splitMerge(s) {
                merges.append(pair)
            } else if let a = m as? [String], a.count == 2 {
                merges.append((a[0], a[1]))
            } else {
                throw ScaleLabError.data(path: url.path, reason: "'model.merges[\(i)]' is not \"left right\" or [left, right]")
            }
        }
        var added: [(String, Int)] = []
        for (i, entry) in ((root["added_tokens"] as? [Any]) ?? []).enumerated() {
            guard let e = entry as? [String: Any], let content = e["content"] as? String, let id = e["id"] as? Int else {
                throw ScaleLabError.data(path: url.path, reason: "'added_tokens[\(i)]' needs 'id' and 'content'")
            }
            added.append((content, id))
        }
        return try assemble(path: url.path, vocab: vocab, merges: merges, added: added)
    }

    private static func loadGPT2(vocab vocabURL: URL, merges mergesURL: URL) throws -> BPETokenizer {
        try parseGPT2(vocab: try readFile(vocabURL), vocabSource: vocabURL, merges: try readFile(mergesURL), mergesSource: mergesURL)
    }

    /// `vocab.json` + `merges.txt` held in memory.
    static func parseGPT2(vocab vocabData: Data, vocabSource vocabURL: URL, merges mergesData: Data, mergesSource mergesURL: URL) throws -> BPETokenizer {
        let vocab = try parseJSONObject(vocabData, source: vocabURL)
        guard let text = String(data: mergesData, encoding: .utf8) else {
            throw ScaleLabError.data(path: mergesURL.path, reason: "is not UTF-8 text")
        }
        var merges: [(String, String)] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if l.isEmpty || (n == 0 && l.hasPrefix("#version")) { continue }
            guard let pair = splitMerge(String(l)) else {
                throw ScaleLabError.data(path: mergesURL.path, reason: "line \(n + 1) is not 'left right'")
            }
            merges.append(pair)
        }
        return try assemble(path: vocabURL.path, vocab: vocab, merges: merges, added: nil)
    }

    /// Turns byte-level vocabulary and merges into a tokenizer. Special tokens are `added` when
    /// given (tokenizer.json), else the entries that are neither a byte nor a merge result.
    private static func assemble(path: String, vocab: [String: Any], merges: [(String, String)], added: [(String, Int)]?) throws -> BPETokenizer {
        var entries: [Int: String] = [:]
        for (key, value) in vocab {
            guard let id = value as? Int, id >= 0 else { throw ScaleLabError.data(path: path, reason: "vocabulary entry \(jsonString(key)) has no non-negative integer id") }
            if let other = entries.updateValue(key, forKey: id), other != key {
                throw ScaleLabError.data(path: path, reason: "id \(id) is given to both \(jsonString(other)) and \(jsonString(key))")
            }
        }
        let mergeResults = Set(merges.map { $0.0 + $0.1 })
        var special: [Int: String] = [:]
        if let added {
            for (content, id) in added {
                if let existing = entries[id], existing != content {
                    throw ScaleLabError.data(path: path, reason: "added token \(jsonString(content)) has id \(id), which the vocabulary gives to \(jsonString(existing))")
                }
                entries[id] = content
                special[id] = content
            }
        } else {
            for (id, key) in entries {
                guard let bytes = ByteLevelAlphabet.decode(key) else { special[id] = key; continue }
                if bytes.count > 1 && !mergeResults.contains(key) { special[id] = key }
            }
        }
        let count = entries.count
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(count)
        var idOfString: [String: UInt32] = [:]
        for id in 0..<count {
            guard let key = entries[id] else { throw ScaleLabError.data(path: path, reason: "ids are not contiguous: id \(id) is missing (\(count) entries)") }
            if let content = special[id] {
                tokens.append(Array(content.utf8))
            } else {
                guard let bytes = ByteLevelAlphabet.decode(key) else {
                    throw ScaleLabError.data(path: path, reason: "vocabulary entry \(jsonString(key)) is not a byte-level string")
                }
                tokens.append(bytes)
                idOfString[key] = UInt32(id)
            }
        }
        var pairs: [(UInt32, UInt32)] = []
        pairs.reserveCapacity(merges.count)
        for (rank, (l, r)) in merges.enumerated() {
            guard let a = idOfString[l], let b = idOfString[r] else {
                throw ScaleLabError.data(path: path, reason: "merge \(rank) (\(l) \(r)) uses a token that is not in the vocabulary")
            }
            pairs.append((a, b))
        }
        do {
            return try BPETokenizer(tokens: tokens, merges: pairs,
                                    specialTokens: special.map { SpecialToken(content: $0.value, id: UInt32($0.key)) })
        } catch let error as ScaleLabError {
            throw ScaleLabError.data(path: path, reason: error.description)
        }
    }

    private static func splitMerge(_ s: String) -> (String, String)? {
        let parts = s.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    private static func readFile(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw FileSystemError.translate(error) ?? ScaleLabError.io(path: url.path, reason: "cannot read: \(error)")
        }
    }

    private static func parseJSONObject(_ data: Data, source url: URL) throws -> [String: Any] {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ScaleLabError.data(path: url.path, reason: "not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error))")
        }
        guard let dict = object as? [String: Any] else { throw ScaleLabError.data(path: url.path, reason: "the top level is not a JSON object") }
        return dict
    }
}

/// A JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
func jsonString(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where c.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
        default: out.unicodeScalars.append(c)
        }
    }
    return out + "\""
}
