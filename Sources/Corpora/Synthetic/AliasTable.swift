/// Walker's alias method (Vose's stable construction): O(1) sampling from a discrete
/// distribution with one 64-bit random word: the high 32 bits pick a column by multiply-shift,
/// the low 32 bits decide between the column and its alias.
///
/// Precision: column choice and coin are quantised to 2^-32, so a realised probability differs
/// from the nominal one by at most about n·2^-32 relative (1e-6 for n = 4096); the entropy figures
/// ScaleLab reports are for the nominal probabilities.
///
/// Many tables live in one flat `AliasTables` store so the generator's hot loop touches a single
/// buffer: each entry packs `threshold << 32 | alias`.
final class AliasTables: @unchecked Sendable {
    struct Ref: Sendable { let offset: Int; let count: Int }
    private(set) var entries: [UInt64] = []
    /// Nominal probabilities of every table, same layout as `entries`.
    private(set) var probabilities: [Double] = []

    /// Adds a table for `weights` (non-negative, not all zero); returns where it lives.
    func add(weights: [Double]) -> Ref {
        let n = weights.count
        let total = weights.reduce(0, +)
        precondition(n > 0 && total > 0)
        let p = weights.map { $0 / total }
        var scaled = p.map { $0 * Double(n) }
        var threshold = [UInt64](repeating: 0, count: n)
        var alias = [UInt32](repeating: 0, count: n)
        var small = [Int](), large = [Int]()
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast() {
            guard let l = large.popLast() else { small.append(s); break }
            threshold[s] = Self.quantise(scaled[s]); alias[s] = UInt32(l)
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 { small.append(l) } else { large.append(l) }
        }
        // Leftovers hold probability 1 up to rounding: always keep the column.
        for i in small + large { threshold[i] = 0xFFFF_FFFF; alias[i] = UInt32(i) }
        let ref = Ref(offset: entries.count, count: n)
        for i in 0..<n { entries.append(threshold[i] << 32 | UInt64(alias[i])) }
        probabilities += p
        return ref
    }

    private static func quantise(_ x: Double) -> UInt64 { UInt64(min(max(x, 0) * 0x1p32, 0xFFFF_FFFF)) }

    func probabilities(of ref: Ref) -> ArraySlice<Double> { probabilities[ref.offset..<(ref.offset + ref.count)] }

    /// One draw; `table` is `entries` taken as a buffer pointer once, outside the hot loop.
    @inline(__always)
    static func sample(_ table: UnsafePointer<UInt64>, _ ref: Ref, _ u: UInt64) -> Int {
        let column = Int(truncatingIfNeeded: ((u >> 32) &* UInt64(ref.count)) >> 32)
        let e = table[ref.offset &+ column]
        return UInt64(UInt32(truncatingIfNeeded: u)) < (e >> 32) ? column : Int(UInt32(truncatingIfNeeded: e))
    }
}

/// Shannon entropy in nats of a probability vector.
func entropyNats<C: Collection>(_ p: C) -> Double where C.Element == Double {
    var h = 0.0
    for x in p where x > 0 { h -= x * log(x) }
    return h
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
