/// An open-addressing hash map from a token pair to a 64-bit value, keyed by `left << 32 | right`.
///
/// Used for the merge table (pair → rank and result id) read by every encoding thread, and for
/// the trainer's pair → slot index. Immutable after construction when shared between threads.
final class PairMap: @unchecked Sendable {
    private static let empty = UInt64.max  // (0xFFFFFFFF, 0xFFFFFFFF) is never a real pair
    private var keys: UnsafeMutablePointer<UInt64>
    private var values: UnsafeMutablePointer<UInt64>
    private var mask: Int
    private(set) var count = 0

    init(expectedCount: Int = 1024) {
        var cap = 16
        while cap < expectedCount * 2 { cap <<= 1 }
        mask = cap - 1
        keys = .allocate(capacity: cap)
        keys.initialize(repeating: Self.empty, count: cap)
        values = .allocate(capacity: cap)
        values.initialize(repeating: 0, count: cap)
    }

    deinit { keys.deallocate(); values.deallocate() }

    @inline(__always)
    static func key(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 32 | UInt64(right) }

    @inline(__always)
    private func slot(for key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The value for the pair, or nil.
    @inline(__always)
    func value(_ left: UInt32, _ right: UInt32) -> UInt64? {
        let k = Self.key(left, right)
        var s = slot(for: k)
        while true {
            let stored = keys[s]
            if stored == k { return values[s] }
            if stored == Self.empty { return nil }
            s = (s + 1) & mask
        }
    }

    /// Sets the value for the pair; returns false (and changes nothing) if the pair was present.
    @discardableResult
    func insert(_ left: UInt32, _ right: UInt32, _ value: UInt64) -> Bool {
        if (count + 1) * 2 > mask + 1 { grow() }
        let k = Self.key(left, right)
        var s = slot(for: k)
        while true {
            let stored = keys[s]
            if stored == k { return false }
            if stored == Self.empty { break }
            s = (s + 1) & mask
        }
        keys[s] = k
        values[s] = value
        count += 1
        return true
    }

    private func grow() {
        let oldKeys = keys, oldValues = values, oldCap = mask + 1
        let cap = oldCap * 2
        keys = .allocate(capacity: cap)
        keys.initialize(repeating: Self.empty, count: cap)
        values = .allocate(capacity: cap)
        values.initialize(repeating: 0, count: cap)
        mask = cap - 1
        for i in 0..<oldCap where oldKeys[i] != Self.empty {
            var s = slot(for: oldKeys[i])
            while keys[s] != Self.empty { s = (s + 1) & mask }
            keys[s] = oldKeys[i]
            values[s] = oldValues[i]
        }
        oldKeys.deallocate()
        oldValues.deallocate()
    }
}
