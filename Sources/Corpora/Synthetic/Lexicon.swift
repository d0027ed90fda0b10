import Support

/// The words of a synthetic language, stored in 16-byte slots so the generator can copy any
/// word with one unaligned 16-byte store and then advance by its length.
///
/// Words are lowercase ASCII (`a`–`z`), topic headers uppercase (`A`–`Z`), and all are distinct,
/// so no word contains a separator (space, '.', newline, '<') and every word maps back to one
/// (class, index): this is what makes the text uniquely decodable and the entropy rate exact.
struct Lexicon: Sendable {
    static let slot = 16
    static let maxLength = 12
    private(set) var slots: [UInt8] = []
    private(set) var lengths: [Int] = []
    private var seen = Set<[UInt8]>()

    var count: Int { lengths.count }

    /// Adds `n` new distinct words with lengths between 2 and 10 (sum of two uniform draws, so
    /// mid lengths are common) and returns the index of the first. Within the batch, words are
    /// ordered by length so Zipf rank 0 (the most frequent) is among the shortest, as in real text.
    mutating func addWords(_ n: Int, uppercase: Bool, rng: inout SeededRandom) -> Int {
        let base = UInt8(uppercase ? 65 : 97)
        var batch: [[UInt8]] = []
        while batch.count < n {
            let length = 2 + Int(rng.next() % 5) + Int(rng.next() % 5)
            let word = (0..<length).map { _ in base + UInt8(rng.next() % 26) }
            if seen.insert(word).inserted { batch.append(word) }
        }
        let first = count
        for word in batch.enumerated().sorted(by: { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }).map(\.element) {
            precondition(word.count <= Self.maxLength)
            slots += word + [UInt8](repeating: 0, count: Self.slot - word.count)
            lengths.append(word.count)
        }
        return first
    }

    func word(_ i: Int) -> ArraySlice<UInt8> { slots[(i * Self.slot)..<(i * Self.slot + lengths[i])] }
}

/// Zipf weights 1/(k+1)^s for ranks k = 0..<n.
func zipfWeights(count n: Int, exponent s: Double) -> [Double] {
    (0..<n).map { pow(Double($0 + 1), -s) }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
