/// The bytes of every token created so far during training, in one growing arena, with the
/// lexicographic comparison the trainer's tie rule needs.
final class TokenByteStore {
    private(set) var offsets: [Int] = [0]
    private(set) var bytes: [UInt8] = []

    var count: Int { offsets.count - 1 }

    func append(_ token: some Collection<UInt8>) {
        bytes.append(contentsOf: token)
        offsets.append(bytes.count)
    }

    func token(_ id: UInt32) -> ArraySlice<UInt8> { bytes[offsets[Int(id)]..<offsets[Int(id) + 1]] }

    /// Lexicographic byte order (a proper prefix sorts first): negative, zero or positive.
    func compare(_ a: UInt32, _ b: UInt32) -> Int {
        if a == b { return 0 }
        return bytes.withUnsafeBufferPointer { p in
            let sa = offsets[Int(a)], la = offsets[Int(a) + 1] - sa
            let sb = offsets[Int(b)], lb = offsets[Int(b) + 1] - sb
            let c = memcmp(p.baseAddress! + sa, p.baseAddress! + sb, min(la, lb))
            return c != 0 ? Int(c) : la - lb
        }
    }

    /// True if the pair (a1, a2) sorts before (b1, b2): by the first token's bytes, then the second's.
    func pairLess(_ a1: UInt32, _ a2: UInt32, _ b1: UInt32, _ b2: UInt32) -> Bool {
        let c = compare(a1, b1)
        return c != 0 ? c < 0 : compare(a2, b2) < 0
    }
}

#if canImport(Glibc)
import Glibc
#endif
