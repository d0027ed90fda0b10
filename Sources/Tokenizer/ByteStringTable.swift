/// A hash of a byte string: 8-byte words mixed with multiply–xorshift steps (the finaliser of
/// MurmurHash3 / SplitMix64). Not cryptographic; it only has to spread pre-tokens over buckets.
@inline(__always)
func hashBytes(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(truncatingIfNeeded: n) &* 0xC2B2_AE3D_27D4_EB4F)
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 8 <= n {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        i += 8
    }
    if i < n {
        var w: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { w |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
    }
    h ^= h >> 33
    h = h &* 0xFF51_AFD7_ED55_8CCD
    h ^= h >> 29
    return h
}

/// An open-addressing (linear probing) hash table from byte strings to one Int64 payload each.
///
/// Keys are copied into an arena the table owns, so it does not depend on the lifetime of the text
/// it was filled from; entries are stored densely in insertion order (`entries` iterate them).
/// Used to count pre-tokens while training and to cache the ids of frequent pre-tokens while
/// encoding. Not thread-safe: every thread fills its own table, and `merge` adds one into another.
final class ByteStringTable {
    private var slots: UnsafeMutablePointer<Int32>  // entry index, or -1 when empty
    private var slotMask: Int
    private(set) var count = 0
    private var entryCapacity: Int
    private(set) var hashes: UnsafeMutablePointer<UInt64>
    private(set) var keyOffsets: UnsafeMutablePointer<Int>
    private(set) var keyLengths: UnsafeMutablePointer<Int32>
    var payloads: UnsafeMutablePointer<Int64>
    private(set) var arena: UnsafeMutablePointer<UInt8>
    private var arenaCount = 0
    private var arenaCapacity: Int

    init(expectedCount: Int = 1024) {
        var cap = 16
        while cap < expectedCount * 2 { cap <<= 1 }
        slotMask = cap - 1
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: -1, count: cap)
        entryCapacity = cap / 2
        hashes = .allocate(capacity: entryCapacity)
        keyOffsets = .allocate(capacity: entryCapacity)
        keyLengths = .allocate(capacity: entryCapacity)
        payloads = .allocate(capacity: entryCapacity)
        arenaCapacity = max(1024, expectedCount * 8)
        arena = .allocate(capacity: arenaCapacity)
    }

    deinit {
        slots.deallocate(); hashes.deallocate(); keyOffsets.deallocate()
        keyLengths.deallocate(); payloads.deallocate(); arena.deallocate()
    }

    /// Removes every entry but keeps the allocated memory.
    func removeAll() {
        slots.update(repeating: -1, count: slotMask + 1)
        count = 0
        arenaCount = 0
    }

    /// The key of entry `e` as a buffer into the arena (valid until the next insertion).
    @inline(__always)
    func key(_ e: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: arena + keyOffsets[e], count: Int(keyLengths[e]))
    }

    /// The entry index for the key, or nil.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int? {
        var s = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let e = Int(slots[s])
            if e < 0 { return nil }
            if hashes[e] == h && Int(keyLengths[e]) == n && memoryEqual(arena + keyOffsets[e], p, n) { return e }
            s = (s + 1) & slotMask
        }
    }

    /// The entry index for the key, inserting it with payload 0 if absent.
    @inline(__always)
    func findOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int {
        var s = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let e = Int(slots[s])
            if e < 0 { break }
            if hashes[e] == h && Int(keyLengths[e]) == n && memoryEqual(arena + keyOffsets[e], p, n) { return e }
            s = (s + 1) & slotMask
        }
        if count == entryCapacity {
            grow()
            return findOrInsert(p, n, hash: h)
        }
        if arenaCount + n > arenaCapacity { growArena(minimum: arenaCount + n) }
        let e = count
        (arena + arenaCount).update(from: p, count: n)
        hashes[e] = h
        keyOffsets[e] = arenaCount
        keyLengths[e] = Int32(n)
        payloads[e] = 0
        arenaCount += n
        slots[s] = Int32(e)
        count += 1
        return e
    }

    /// Adds every payload of `other` to this table's payload for the same key.
    func addPayloads(of other: ByteStringTable) {
        for e in 0..<other.count {
            let k = other.key(e)
            let mine = findOrInsert(k.baseAddress!, k.count, hash: other.hashes[e])
            payloads[mine] += other.payloads[e]
        }
    }

    private func grow() {
        let newCap = (slotMask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: newCap)
        slots.initialize(repeating: -1, count: newCap)
        slotMask = newCap - 1
        let newEntries = newCap / 2
        hashes = reallocate(hashes, count, newEntries)
        keyOffsets = reallocate(keyOffsets, count, newEntries)
        keyLengths = reallocate(keyLengths, count, newEntries)
        payloads = reallocate(payloads, count, newEntries)
        entryCapacity = newEntries
        for e in 0..<count {
            var s = Int(truncatingIfNeeded: hashes[e]) & slotMask
            while slots[s] >= 0 { s = (s + 1) & slotMask }
            slots[s] = Int32(e)
        }
    }

    private func growArena(minimum: Int) {
        var cap = arenaCapacity * 2
        while cap < minimum { cap *= 2 }
        arena = reallocate(arena, arenaCount, cap)
        arenaCapacity = cap
    }
}

@inline(__always)
func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// Moves `used` elements into a new allocation of `capacity` and frees the old one.
func reallocate<T>(_ old: UnsafeMutablePointer<T>, _ used: Int, _ capacity: Int) -> UnsafeMutablePointer<T> {
    let new = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    new.moveInitialize(from: old, count: used)
    old.deallocate()
    return new
}
