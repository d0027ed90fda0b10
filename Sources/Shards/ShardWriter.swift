import Dispatch
import Foundation
import Support
import Tokenizer
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of a streaming encode.
public struct ShardProgress: Sendable {
    public let bytesDone: Int
    public let bytesTotal: Int
    public let tokens: Int
    /// Wall time spent encoding so far, not counting reading and writing files.
    public let encodingSeconds: Double
}

/// The one writer of token files: `scalelab tokenizer encode` and the corpus shard cache both
/// come through here, so every token file has the same layout and sidecar.
public enum ShardWriter {
    /// Encodes a text file of any size into a token file (raw little-endian ids, dtype by
    /// `TokenDType.forVocabulary`, no header) plus its `<output>.json` sidecar, each written atomically.
    ///
    /// The input is read `chunkBytes` at a time; each chunk ends where the encoding cannot change
    /// (`BPETokenizer.safeChunkEnd`), the rest is carried into the next chunk, so the ids equal
    /// those of encoding the whole file at once. Each chunk is cut again into `threads` parts
    /// encoded in parallel, each thread keeping its own pre-token cache across chunks.
    /// - Parameter describe: fills in the sidecar's optional fields (corpus, split, source).
    @discardableResult
    public static func encode(input: URL, output: URL, encoding: TokenEncoding, allowSpecial: Bool = true, threads: Int = 2,
                              chunkBytes: Int = 8 << 20, describe: (inout ShardSidecar) -> Void = { _ in },
                              progress: (ShardProgress) -> Void = { _ in }) throws -> ShardSidecar {
        let threads = max(1, threads), chunkBytes = max(1, chunkBytes)
        let inFD = open(input.path, O_RDONLY)
        guard inFD >= 0 else { throw ScaleLabError.io(path: input.path, reason: "cannot open: \(FileSystemError.describe(errno))") }
        defer { close(inFD) }
        var st = stat()
        guard fstat(inFD, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw ScaleLabError.io(path: input.path, reason: "not a regular file") }
        let total = Int(st.st_size)
        guard total > 0 else { throw ScaleLabError.data(path: input.path, reason: "the file is empty") }

        let dtype = TokenDType.forVocabulary(encoding.vocabSize)
        let file = try StreamingAtomicFile(output)
        let bpe = encoding.tokenizer
        let sessions = UnsafeSendable((0..<threads).map { _ in bpe.map { BPEEncodingSession($0, allowSpecial: allowSpecial) } })
        var capacity = chunkBytes * 2 + 64
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        var ids = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        var packed = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 8)
        defer { buffer.deallocate(); ids.deallocate(); packed.deallocate() }
        var filled = 0, done = 0, tokens = 0, atEOF = false
        var encodingTime = Duration.zero

        func chunkEnd(_ view: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
            guard let bpe else { return from < view.count ? max(from, 1) : nil }   // bytes: any point
            return bpe.safeChunkEnd(in: view, from: from, allowSpecial: allowSpecial)
        }

        while !atEOF || filled > 0 {
            // Read until at least chunkBytes are buffered or the file ends.
            while !atEOF && filled < chunkBytes {
                let n = try FileDescriptorIO.read(inFD, into: buffer + filled, count: capacity - filled, path: input.path)
                if n == 0 { atEOF = true } else { filled += n }
            }
            let view = UnsafeBufferPointer(start: UnsafePointer(buffer), count: filled)
            guard let end = atEOF ? filled : chunkEnd(view, from: filled / 2) else {
                // No safe point in the buffer (e.g. one huge word): buffer more and try again.
                if filled == capacity {
                    capacity *= 2
                    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
                    grown.update(from: buffer, count: filled)
                    buffer.deallocate(); buffer = grown
                    ids.deallocate(); ids = .allocate(capacity: capacity)
                    packed.deallocate(); packed = .allocate(byteCount: capacity * 4, alignment: 8)
                }
                let n = try FileDescriptorIO.read(inFD, into: buffer + filled, count: capacity - filled, path: input.path)
                if n == 0 { atEOF = true } else { filled += n }
                continue
            }
            // Split [0, end) into one part per thread at safe points.
            var bounds = [0]
            for t in 1..<threads {
                let from = max(end * t / threads, (bounds.last ?? 0) + 1)
                if from < end, let p = chunkEnd(UnsafeBufferPointer(start: view.baseAddress, count: end), from: from), p < end { bounds.append(p) }
            }
            bounds.append(end)
            let parts = bounds.count - 1
            let encodingStart = ContinuousClock.now
            var counts = [Int](repeating: 0, count: parts)
            let shared = UnsafeSendable((UnsafePointer(buffer), ids, bounds))
            counts.withUnsafeMutableBufferPointer { countsBuffer in
                let out = UnsafeSendable(countsBuffer)
                DispatchQueue.concurrentPerform(iterations: parts) { k in
                    let (base, idOut, b) = shared.value
                    let piece = UnsafeBufferPointer(start: base + b[k], count: b[k + 1] - b[k])
                    if let session = sessions.value[k] {
                        out.value[k] = session.encode(piece, into: idOut + b[k])
                    } else {
                        for i in 0..<piece.count { idOut[b[k] + i] = UInt32(piece[i]) }
                        out.value[k] = piece.count
                    }
                }
            }
            encodingTime += ContinuousClock.now - encodingStart
            for k in 0..<parts {
                let src = ids + bounds[k], n = counts[k]
                switch dtype {
                case .uint32:
                    let dst = packed.assumingMemoryBound(to: UInt32.self)
                    for i in 0..<n { dst[i] = src[i].littleEndian }
                    try file.write(packed, n * 4)
                case .uint16:
                    let dst = packed.assumingMemoryBound(to: UInt16.self)
                    for i in 0..<n { dst[i] = UInt16(truncatingIfNeeded: src[i]).littleEndian }
                    try file.write(packed, n * 2)
                }
                tokens += n
            }
            buffer.update(from: buffer + end, count: filled - end)
            filled -= end
            done += end
            let seconds = Double(encodingTime.components.seconds) + Double(encodingTime.components.attoseconds) * 1e-18
            progress(ShardProgress(bytesDone: done, bytesTotal: total, tokens: tokens, encodingSeconds: seconds))
        }
        try file.commit()
        var sidecar = ShardSidecar(dtype: dtype, vocabSize: encoding.vocabSize, tokens: tokens, tokenizer: encoding.identity,
                                   bytes: done, source: input.path)
        describe(&sidecar)
        try sidecar.write(forTokenFile: output)
        return sidecar
    }

    /// Decodes a token file to its bytes and writes them atomically; throws naming the position
    /// of the first id outside the vocabulary (nothing is written then).
    @discardableResult
    public static func decode(input: URL, tokenizer: BPETokenizer, output: URL) throws -> Int {
        let shard = try TokenShard(path: input.path, vocabSize: try ShardSidecar.read(tokenFile: input.path) == nil ? tokenizer.vocabSize : nil)
        guard shard.vocabSize <= tokenizer.vocabSize else {
            throw ScaleLabError.data(path: input.path, reason: "holds ids of a \(shard.vocabSize)-token vocabulary; the tokenizer has \(tokenizer.vocabSize)")
        }
        let bytes: [UInt8]
        do { bytes = try tokenizer.decode(shard.ids()) } catch let error as ScaleLabError {
            throw ScaleLabError.data(path: input.path, reason: error.description)
        }
        try AtomicFile.write(Data(bytes), to: output)
        return bytes.count
    }
}
