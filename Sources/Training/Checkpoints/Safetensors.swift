import Foundation
import Support

/// The safetensors format (Hugging Face), written and read here without dependencies:
///
///     8 bytes        N, the header length, little-endian UInt64
///     N bytes        a JSON object: {"__metadata__": {string: string}, "<name>": {"dtype": "F32",
///                    "shape": [...], "data_offsets": [begin, end]}, ...}, padded with spaces to a
///                    multiple of 8 (as the reference writer does)
///     the rest       the tensors' raw little-endian bytes; offsets are relative to this section
///
/// With `hashed`, the metadata carries `content_hash`: FNV-1a 64 of the whole file as written with
/// that value set to sixteen zeros. Reading verifies it, so a truncated or corrupted file is refused.
public enum Safetensors {
    public struct Tensor {
        public let name: String
        public let shape: [Int]
        public let data: UnsafeBufferPointer<Float>
        public init(name: String, shape: [Int], data: UnsafeBufferPointer<Float>) {
            precondition(shape.reduce(1, *) == data.count, "tensor \(name): shape \(shape) does not match \(data.count) values")
            self.name = name; self.shape = shape; self.data = data
        }
    }

    static let hashKey = "content_hash"
    static let placeholder = String(repeating: "0", count: 16)

    /// The file's bytes. Tensors are stored in the order given.
    public static func encode(_ tensors: [Tensor], metadata: [String: String], hashed: Bool) throws -> Data {
        var meta = metadata
        if hashed { meta[hashKey] = placeholder }
        var header: [String: Any] = ["__metadata__": meta]
        var offset = 0
        for t in tensors {
            let bytes = t.data.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors { out.append(UnsafeBufferPointer(start: t.data.baseAddress, count: t.data.count)) }
        if hashed {
            var h = FNV1a64()
            out.withUnsafeBytes { h.update($0) }
            let marker = Data("\"\(hashKey)\":\"\(placeholder)\"".utf8)
            guard let r = out.range(of: marker, in: 8..<(8 + json.count)) else {
                throw ScaleLabError.invalid("safetensors: could not place the content hash in the header")
            }
            out.replaceSubrange(r, with: Data("\"\(hashKey)\":\"\(h.hex)\"".utf8))
        }
        return out
    }

    /// A parsed file: metadata, tensor descriptions, and the bytes.
    public struct File {
        public let metadata: [String: String]
        public let tensors: [String: (shape: [Int], range: Range<Int>)]
        let data: Data
        let dataStart: Int

        /// Copies tensor `name` (F32, `count` values) into `destination`.
        public func copy(_ name: String, shape: [Int], into destination: UnsafeMutablePointer<Float>, source: String) throws {
            guard let t = tensors[name] else { throw ScaleLabError.data(path: source, reason: "tensor '\(name)' is missing") }
            guard t.shape == shape else {
                throw ScaleLabError.data(path: source, reason: "tensor '\(name)' has shape \(t.shape), expected \(shape)")
            }
            data.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress! + dataStart + t.range.lowerBound,
                                                                byteCount: t.range.count)
            }
        }

        public func floats(_ name: String) -> [Float]? {
            guard let t = tensors[name] else { return nil }
            var out = [Float](repeating: 0, count: t.range.count / 4)
            out.withUnsafeMutableBytes { dst in
                data.withUnsafeBytes { raw in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(dataStart + t.range.lowerBound)..<(dataStart + t.range.upperBound)])) }
            }
            return out
        }
    }

    /// The longest header accepted: ours are a few kilobytes plus the metrics log; a length beyond
    /// this is a corrupt or hostile file, refused before anything is allocated for it.
    public static let maxHeaderBytes = 1 << 30

    /// Parses and checks a file before trusting any of it: the header length within the file, the
    /// header a JSON object whose `__metadata__` maps strings to strings, every tensor F32 with a
    /// shape of non-negative integers whose byte size (overflow-checked) matches its offsets, the
    /// tensors' byte ranges non-overlapping and covering the data section exactly, and the content
    /// hash when the metadata has one (or when `requireHash`). `verifyHash: false` skips comparing
    /// the hash, for the fuzzer only: it cannot forge one, and the checks behind it must be reached.
    public static func decode(_ data: Data, source: String, requireHash: Bool) throws -> File {
        try decode(data, source: source, requireHash: requireHash, verifyHash: true)
    }

    static func decode(_ data: Data, source: String, requireHash: Bool, verifyHash: Bool) throws -> File {
        func bad(_ reason: String) -> ScaleLabError { .data(path: source, reason: reason) }
        guard data.count >= 8 else { throw bad("truncated: \(data.count) bytes, shorter than the 8-byte header length") }
        let n = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(data.count - 8) else { throw bad("truncated: the header claims \(n) bytes, the file has \(data.count - 8) after the length") }
        guard n <= UInt64(maxHeaderBytes) else { throw bad("the header claims \(n) bytes, more than the \(maxHeaderBytes) accepted") }
        let headerRange = 8..<(8 + Int(n))
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: headerRange)) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        var meta: [String: String] = [:]
        if let rawMeta = header["__metadata__"] {
            guard let m = rawMeta as? [String: Any] else { throw bad("__metadata__ is not a JSON object") }
            for (key, value) in m {
                guard let s = value as? String else { throw bad("__metadata__ key '\(Printable.escaped(key))' is not a string") }
                meta[key] = s
            }
        }
        var tensors: [String: (shape: [Int], range: Range<Int>)] = [:]
        for (name, value) in header where name != "__metadata__" {
            let shown = Printable.escaped(name)
            guard let d = value as? [String: Any], Set(d.keys) == ["dtype", "shape", "data_offsets"] else {
                throw bad("tensor '\(shown)': the entry must hold exactly dtype, shape and data_offsets")
            }
            guard let dtype = d["dtype"] as? String else { throw bad("tensor '\(shown)': dtype is not a string") }
            guard dtype == "F32" else { throw bad("tensor '\(shown)': dtype \(Printable.escaped(dtype)), only F32 is supported") }
            guard let shape = integers(d["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw bad("tensor '\(shown)': shape is not a list of non-negative integers")
            }
            guard let offs = integers(d["data_offsets"]), offs.count == 2, offs[0] >= 0, offs[0] <= offs[1] else {
                throw bad("tensor '\(shown)': data_offsets is not [begin, end] with 0 ≤ begin ≤ end")
            }
            var bytes = 4
            for extent in shape {
                let (r, overflow) = bytes.multipliedReportingOverflow(by: extent)
                guard !overflow else { throw bad("tensor '\(shown)': shape \(shape) overflows 64-bit arithmetic") }
                bytes = r
            }
            guard offs[1] - offs[0] == bytes else {
                throw bad("tensor '\(shown)': data_offsets \(offs) hold \(offs[1] - offs[0]) bytes, shape \(shape) needs \(bytes)")
            }
            tensors[name] = (shape, offs[0]..<offs[1])
        }
        // Non-overlapping and covering the data section exactly, as the format requires: overlapping
        // ranges would alias two tensors' weights, a gap would hide bytes no tensor accounts for.
        let available = data.count - headerRange.upperBound
        var end = 0
        for (name, t) in tensors.sorted(by: { ($0.value.range.lowerBound, $0.value.range.upperBound, $0.key) < ($1.value.range.lowerBound, $1.value.range.upperBound, $1.key) }) {
            if t.range.lowerBound < end { throw bad("tensor '\(Printable.escaped(name))': bytes \(t.range.lowerBound)..<\(t.range.upperBound) overlap another tensor's (which end at \(end))") }
            if t.range.lowerBound > end { throw bad("bytes \(end)..<\(t.range.lowerBound) of the data belong to no tensor") }
            end = t.range.upperBound
        }
        guard available >= end else { throw bad("truncated: the tensors need \(end) bytes of data, the file has \(available)") }
        guard available == end else { throw bad("\(available - end) unexpected bytes after the tensor data") }
        if let stored = meta[hashKey] {
            var copy = data
            let marker = Data("\"\(hashKey)\":\"\(stored)\"".utf8)
            guard stored.count == 16, stored.allSatisfy(\.isHexDigit), let r = copy.range(of: marker, in: headerRange) else { throw bad("malformed content_hash") }
            copy.replaceSubrange(r, with: Data("\"\(hashKey)\":\"\(placeholder)\"".utf8))
            var h = FNV1a64()
            copy.withUnsafeBytes { h.update($0) }
            guard h.hex == stored || !verifyHash else { throw bad("content hash mismatch (stored \(stored), computed \(h.hex)): the file is corrupt") }
        } else if requireHash {
            throw bad("no content_hash in the metadata")
        }
        return File(metadata: meta, tensors: tensors, data: data, dataStart: headerRange.upperBound)
    }

    /// A JSON array of integers, exactly: `4.5` or a number beyond 64 bits gives nil (NSNumber's
    /// bridging to Int is value-preserving).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out: [Int] = []
        out.reserveCapacity(list.count)
        for element in list {
            guard let i = element as? Int else { return nil }
            out.append(i)
        }
        return out
    }
}
