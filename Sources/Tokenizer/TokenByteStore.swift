/// How the trainer chooses between pairs of equal count.
public enum TieBreak: String, Sendable, CaseIterable {
    /// The lexicographically greater pair of byte strings wins (ScaleLab's rule, the default).
    case lexicographic
    /// The pair of smaller Hugging Face trainer ids wins (reproduces `tokenizers`' BpeTrainer merges).
    case huggingFace = "huggingface"
}

/// The bytes of every token created so far during training, in one growing arena, with the
/// lexicographic comparison the trainer's tie rule needs.
final class TokenByteStore {
    private(set) var offsets: [Int] = [0]
    private(set) var bytes: [UInt8] = []
    let tieBreak: TieBreak
    /// For `.huggingFace`: the id Hugging Face's trainer gives each token (up to a constant
    /// offset for special tokens): bytes ordered by their byte-level character, then merged
    /// tokens in creation order.
    private var huggingFaceRank: [Int] = []

    init(tieBreak: TieBreak) { self.tieBreak = tieBreak }

    var count: Int { offsets.count - 1 }

    func append(_ token: some Collection<UInt8>) {
        bytes.append(contentsOf: token)
        offsets.append(bytes.count)
        if token.count == 1 {
            // Rank among the 256 byte-level characters, sorted by code point.
            let c = ByteLevelAlphabet.characterOfByte[Int(token.first!)].value
            huggingFaceRank.append(ByteLevelAlphabet.characterOfByte.filter { $0.value < c }.count)
        } else {
            huggingFaceRank.append(count - 1)
        }
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

    /// True if the pair (a1, a2) loses a tie against (b1, b2). `.lexicographic`: by the first token's
    /// bytes, then the second's (the greater pair wins).
    func pairLess(_ a1: UInt32, _ a2: UInt32, _ b1: UInt32, _ b2: UInt32) -> Bool {
        if tieBreak == .huggingFace {
            // Hugging Face prefers the pair of smaller ids, so that pair must sort last here.
            let (r1, r2) = (huggingFaceRank[Int(a1)], huggingFaceRank[Int(b1)])
            return r1 != r2 ? r1 > r2 : huggingFaceRank[Int(a2)] > huggingFaceRank[Int(b2)]
        }
        let c = compare(a1, b1)
        return c != 0 ? c < 0 : compare(a2, b2) < 0
    }
}

#if canImport(Glibc)
import Glibc
#endif
