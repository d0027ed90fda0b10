import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Writes one split's text file while computing, on the fly and without keeping the text, its
/// SHA-256, byte histogram, byte count, character count (UTF-8 scalars) and document count.
final class SplitWriter {
    let path: String
    private let file: StreamingAtomicFile
    private var sha = SHA256()
    private(set) var histogram = [Int](repeating: 0, count: 256)
    private(set) var characters = 0
    private(set) var bytes = 0
    private(set) var documents = 0
    private(set) var buffer: OutputBuffer!

    init(path: String) throws {
        self.path = path
        file = try StreamingAtomicFile(URL(fileURLWithPath: path))
        buffer = OutputBuffer { [unowned self] chunk in try self.consume(chunk) }
    }

    private func consume(_ chunk: UnsafeRawBufferPointer) throws {
        sha.update(chunk)
        var scalars = 0
        histogram.withUnsafeMutableBufferPointer { h in
            for b in chunk { h[Int(b)] &+= 1; scalars &+= (b & 0xC0) != 0x80 ? 1 : 0 }
        }
        characters += scalars; bytes += chunk.count
        try file.write(chunk)
    }

    /// Bytes accepted so far, including those still buffered.
    var bytesWritten: Int { bytes + buffer.count }

    /// Ends the current document with the `<|endoftext|>` marker.
    func endDocument() throws {
        try buffer.append(endOfText)
        documents += 1
    }

    /// Flushes, fsyncs and returns the split's statistics.
    func finish() throws -> SplitInfo {
        try buffer.flush()
        try file.commit()
        return SplitInfo(bytes: bytes, documents: documents, characters: characters, sha256: sha.finalizeHex(),
                         unigramByteEntropyBits: unigramEntropyBits(histogram))
    }
}

/// Plug-in entropy of the byte histogram, in bits per byte: −Σ f_b log2 f_b.
func unigramEntropyBits(_ histogram: [Int]) -> Double {
    let total = Double(histogram.reduce(0, +))
    guard total > 0 else { return 0 }
    return histogram.reduce(0.0) { h, n in n == 0 ? h : h - Double(n) / total * log2(Double(n) / total) }
}
