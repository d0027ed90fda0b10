import Dispatch
import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

/// What a streaming encode produced; also written as the shard's `<name>.bin.json` sidecar.
public struct ShardSummary: Sendable, Codable, Equatable {
    /// "uint16" when the vocabulary has at most 65536 ids, else "uint32" (little-endian, no header).
    public let dtype: String
    public let vocab_size: Int
    public let tokens: Int
    public let bytes: Int
    public let tokenizer: String
    public let source: String
}

/// Progress of a streaming encode.
public struct ShardProgress: Sendable {
    public let bytesDone: Int
    public let bytesTotal: Int
    public let tokens: Int
    /// Wall time spent encoding so far, not counting reading and writing files.
    public let encodingSeconds: Double
}

extension BPETokenizer {
    /// The shard element type for this vocabulary: uint16 when every id fits (≤ 65536 ids).
    public var shardDType: String { vocabSize <= 65536 ? "uint16" : "uint32" }

    /// Encodes a file of any size into a token shard (raw little-endian ids, `shardDType`, no
    /// header) plus its `<output>.json` sidecar, both written atomically.
    ///
    /// The input is read `chunkBytes` at a time; each chunk ends at a point where the pre-token
    /// split cannot change (see `Pretokenizer.safeSplitPoint`, and never inside a special token),
    /// the rest is carried into the next chunk, so the ids equal those of encoding the whole file
    /// at once. Each chunk is cut again into `threads` parts encoded in parallel, each thread
    /// keeping its own pre-token cache across chunks.
    /// - Parameter tokenizerName: recorded in the sidecar (e.g. the tokenizer directory).
    @discardableResult
    public func encodeFile(input: URL, output: URL, tokenizerName: String = "", allowSpecial: Bool = true, threads: Int = 2,
                           chunkBytes: Int = 8 << 20, progress: (ShardProgress) -> Void = { _ in }) throws -> ShardSummary {
        let threads = max(1, threads), chunkBytes = max(1, chunkBytes)
        let inFD = open(input.path, O_RDONLY)
        guard inFD >= 0 else { throw ScaleLabError.io(path: input.path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(inFD) }
        var st = stat()
        guard fstat(inFD, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw ScaleLabError.io(path: input.path, reason: "not a regular file") }
        let total = Int(st.st_size)
        guard total > 0 else { throw ScaleLabError.data(path: input.path, reason: "the file is empty") }

        let shard = try StreamingAtomicFile(output)
        let wide = shardDType == "uint32"
        let sessions = UncheckedSendable(value: (0..<threads).map { _ in BPEEncodingSession(self, allowSpecial: allowSpecial) })
        let specials = allowSpecial ? specialTokens.map { Array($0.content.utf8) } : []
        var capacity = chunkBytes * 2 + 64
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        var ids = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        var packed = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 8)
        defer { buffer.deallocate(); ids.deallocate(); packed.deallocate() }
        var filled = 0, done = 0, tokens = 0, atEOF = false
        var encodingTime = Duration.zero

        while !atEOF || filled > 0 {
            // Read until at least chunkBytes are buffered or the file ends.
            while !atEOF && filled < chunkBytes {
                let n = read(inFD, buffer + filled, capacity - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ScaleLabError.io(path: input.path, reason: "read failed: \(String(cString: strerror(errno)))")
                }
                if n == 0 { atEOF = true } else { filled += n }
            }
            let view = UnsafeBufferPointer(start: UnsafePointer(buffer), count: filled)
            let cut = atEOF ? filled : chunkCut(view, from: filled / 2, specials: specials)
            if cut == nil {
                // No safe point in the buffer (e.g. one huge word): buffer more and try again.
                if filled == capacity {
                    capacity *= 2
                    buffer = reallocate(buffer, filled, capacity)
                    ids.deallocate(); ids = .allocate(capacity: capacity)
                    packed.deallocate(); packed = .allocate(byteCount: capacity * 4, alignment: 8)
                }
                let n = read(inFD, buffer + filled, capacity - filled)
                if n < 0 && errno != EINTR { throw ScaleLabError.io(path: input.path, reason: "read failed: \(String(cString: strerror(errno)))") }
                if n == 0 { atEOF = true } else if n > 0 { filled += n }
                continue
            }
            let end = cut!
            // Split [0, end) into one part per thread at safe points.
            var bounds = [0]
            for t in 1..<threads {
                let target = end * t / threads
                if let p = chunkCut(UnsafeBufferPointer(start: view.baseAddress, count: end), from: max(target, bounds.last! + 1), specials: specials) { bounds.append(p) }
            }
            bounds.append(end)
            let parts = bounds.count - 1
            let encodingStart = ContinuousClock.now
            var counts = [Int](repeating: 0, count: parts)
            let shared = UncheckedSendable(value: (UnsafePointer(buffer), ids, bounds))
            counts.withUnsafeMutableBufferPointer { countsBuffer in
                let out = UncheckedSendable(value: countsBuffer)
                DispatchQueue.concurrentPerform(iterations: parts) { k in
                    let (base, idOut, b) = shared.value
                    let piece = UnsafeBufferPointer(start: base + b[k], count: b[k + 1] - b[k])
                    out.value[k] = sessions.value[k].encode(piece, into: idOut + b[k])
                }
            }
            encodingTime += ContinuousClock.now - encodingStart
            for k in 0..<parts {
                let src = ids + bounds[k], n = counts[k]
                if wide {
                    let dst = packed.assumingMemoryBound(to: UInt32.self)
                    for i in 0..<n { dst[i] = src[i].littleEndian }
                    try shard.write(packed, n * 4)
                } else {
                    let dst = packed.assumingMemoryBound(to: UInt16.self)
                    for i in 0..<n { dst[i] = UInt16(truncatingIfNeeded: src[i]).littleEndian }
                    try shard.write(packed, n * 2)
                }
                tokens += n
            }
            (buffer).update(from: buffer + end, count: filled - end)
            filled -= end
            done += end
            let seconds = Double(encodingTime.components.seconds) + Double(encodingTime.components.attoseconds) * 1e-18
            progress(ShardProgress(bytesDone: done, bytesTotal: total, tokens: tokens, encodingSeconds: seconds))
        }
        try shard.commit()
        let summary = ShardSummary(dtype: shardDType, vocab_size: vocabSize, tokens: tokens, bytes: done, tokenizer: tokenizerName, source: input.path)
        try AtomicFile.write(JSONOutput.encode(summary), to: URL(fileURLWithPath: output.path + ".json"))
        return summary
    }

    /// A safe chunk end at or after `from` that does not fall inside a special token, or nil.
    private func chunkCut(_ view: UnsafeBufferPointer<UInt8>, from: Int, specials: [[UInt8]]) -> Int? {
        let scanner = PretokenScanner(view)
        var p = from
        search: while let cut = scanner.safeSplit(from: p, limit: view.count) {
            for s in specials {
                // Does an occurrence of s start in (cut - s.count, cut)?
                let lo = max(0, cut - s.count + 1), hi = min(cut - 1, view.count - s.count)
                if lo <= hi {
                    for start in lo...hi where memcmp(view.baseAddress! + start, s, s.count) == 0 {
                        p = cut + 1
                        continue search
                    }
                }
            }
            return cut
        }
        return nil
    }

    /// Reads a token shard back to ids. The element type comes from the `<shard>.json` sidecar
    /// when present, else from this vocabulary's size (the shard convention).
    public func readShard(_ url: URL) throws -> [UInt32] {
        var dtype = shardDType
        let sidecar = URL(fileURLWithPath: url.path + ".json")
        if let data = try? Data(contentsOf: sidecar) {
            guard let summary = try? JSONDecoder().decode(ShardSummary.self, from: data), ["uint16", "uint32"].contains(summary.dtype) else {
                throw ScaleLabError.data(path: sidecar.path, reason: "not a shard description with dtype uint16 or uint32")
            }
            dtype = summary.dtype
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ScaleLabError.io(path: url.path, reason: "cannot read: \(error)") }
        let width = dtype == "uint16" ? 2 : 4
        guard data.count % width == 0 else {
            throw ScaleLabError.data(path: url.path, reason: "\(data.count) bytes is not a whole number of \(dtype) ids")
        }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / width)).map { i in
                width == 2 ? UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                           : UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            }
        }
    }

    /// Decodes a token shard to its bytes and writes them atomically; throws naming the position
    /// of the first id outside the vocabulary (nothing is written then).
    @discardableResult
    public func decodeFile(input: URL, output: URL) throws -> Int {
        let ids = try readShard(input)
        let bytes: [UInt8]
        do { bytes = try decode(ids) } catch let error as ScaleLabError { throw ScaleLabError.data(path: input.path, reason: error.description) }
        try AtomicFile.write(Data(bytes), to: output)
        return bytes.count
    }
}
