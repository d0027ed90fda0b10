import HeapModule

/// A candidate merge in the trainer's priority queue. Entries are never updated in place: a
/// popped entry whose count differs from the pair's current count is stale and is re-queued
/// with the current count (lazy invalidation).
struct PairCandidate: Comparable {
    let count: Int
    let left: UInt32
    let right: UInt32
    unowned(unsafe) let store: TokenByteStore

    /// Higher count first; on equal counts the lexicographically greater pair of byte strings
    /// (first token's bytes, then the second's) wins.
    static func < (a: PairCandidate, b: PairCandidate) -> Bool {
        if a.count != b.count { return a.count < b.count }
        return a.store.pairLess(a.left, a.right, b.left, b.right)
    }

    static func == (a: PairCandidate, b: PairCandidate) -> Bool {
        a.count == b.count && a.left == b.left && a.right == b.right
    }
}

/// Incremental BPE merge learning over counted pre-tokens ("words").
///
/// Each step takes the most frequent adjacent pair (ties: see `PairCandidate`), records it as a
/// merge and rewrites only the words that contain it, found through an index pair → words.
/// Only the pair counts around each rewritten occurrence change: for `x A B y` becoming
/// `x AB y`, (x,A) and (B,y) lose the word's count and (x,AB) and (AB,y) gain it. Pairs whose
/// count grew are queued again; the others are fixed lazily when popped.
/// If a merge produces bytes that are already a token, the existing id is reused, so the vocabulary
/// grows by one distinct token per merge at most (as in Hugging Face's trainer).
struct BPETrainer {
    private(set) var store: TokenByteStore
    private(set) var merges: [(UInt32, UInt32)] = []
    private var idOfBytes: [ArraySlice<UInt8>: UInt32] = [:]
    // Words: the symbols of word w are symbols[wordStart[w] ..< wordStart[w] + wordLength[w]].
    private var symbols: [UInt32] = []
    private var wordStart: [Int] = []
    private var wordLength: [Int] = []
    private var wordCount: [Int] = []
    private var wordStamp: [Int] = []
    // Pairs: slot index per pair; count and the words that (may) contain it, per slot.
    private let pairSlots = PairMap(expectedCount: 1 << 14)
    private var pairLeft: [UInt32] = []
    private var pairRight: [UInt32] = []
    private var pairCount: [Int] = []
    private var pairWords: [[Int32]] = []
    private var pairStamp: [Int] = []
    private var grown: [Int] = []
    private var step = 0
    private var queue = Heap<PairCandidate>()

    /// Sets up the words (pre-token bytes with their counts) and the base vocabulary of 256 bytes.
    init(words: some Sequence<(bytes: ArraySlice<UInt8>, count: Int)>, tieBreak: TieBreak = .lexicographic) {
        store = TokenByteStore(tieBreak: tieBreak)
        for b in 0..<256 {
            store.append(CollectionOfOne(UInt8(b)))
            idOfBytes[[UInt8(b)]] = UInt32(b)
        }
        for (bytes, count) in words where bytes.count > 1 && count > 0 {
            wordStart.append(symbols.count)
            wordLength.append(bytes.count)
            wordCount.append(count)
            for b in bytes { symbols.append(UInt32(b)) }
        }
        wordStamp = [Int](repeating: -1, count: wordCount.count)
        for w in 0..<wordCount.count {
            let s = wordStart[w]
            for i in s..<(s + wordLength[w] - 1) { add(symbols[i], symbols[i + 1], wordCount[w], word: w) }
        }
        var initial: [PairCandidate] = []
        initial.reserveCapacity(pairCount.count)
        for slot in 0..<pairCount.count where pairCount[slot] > 0 {
            initial.append(PairCandidate(count: pairCount[slot], left: pairLeft[slot], right: pairRight[slot], store: store))
        }
        queue = Heap(initial)
        grown.removeAll()
    }

    /// Learns merges until there are `tokenLimit` distinct tokens or no pair occurs any more.
    /// `progress(merges learned)` is called every 64 merges.
    mutating func run(tokenLimit: Int, progress: (Int) -> Void) {
        while store.count < tokenLimit, let top = queue.popMax() {
            guard let slotValue = pairSlots.value(top.left, top.right) else { continue }
            let slot = Int(slotValue)
            let current = pairCount[slot]
            if current <= 0 { continue }
            if current != top.count {
                queue.insert(PairCandidate(count: current, left: top.left, right: top.right, store: store))
                continue
            }
            merge(slot: slot)
            if merges.count % 64 == 0 { progress(merges.count) }
        }
        progress(merges.count)
    }

    private mutating func merge(slot: Int) {
        let a = pairLeft[slot], b = pairRight[slot]
        let bytes = store.token(a) + store.token(b)
        let newId: UInt32
        if let existing = idOfBytes[bytes] {
            newId = existing
        } else {
            newId = UInt32(store.count)
            store.append(bytes)
            idOfBytes[bytes] = newId
        }
        merges.append((a, b))
        step += 1
        let words = pairWords[slot]
        pairWords[slot] = []
        for w32 in words {
            let w = Int(w32)
            if wordStamp[w] == step { continue }
            wordStamp[w] = step
            rewrite(word: w, a, b, newId)
        }
        pairCount[slot] = 0
        for s in grown where pairCount[s] > 0 {
            queue.insert(PairCandidate(count: pairCount[s], left: pairLeft[s], right: pairRight[s], store: store))
        }
        grown.removeAll(keepingCapacity: true)
    }

    /// Replaces every non-overlapping `a b` (left to right) in word w by `newId`, in place,
    /// updating the counts of the neighbouring pairs.
    private mutating func rewrite(word w: Int, _ a: UInt32, _ b: UInt32, _ newId: UInt32) {
        let start = wordStart[w], length = wordLength[w], c = wordCount[w]
        var read = start, write = start
        let end = start + length
        while read < end {
            if read + 1 < end && symbols[read] == a && symbols[read + 1] == b {
                if write > start {
                    let prev = symbols[write - 1]
                    add(prev, a, -c, word: w)
                    add(prev, newId, c, word: w)
                }
                if read + 2 < end {
                    let next = symbols[read + 2]
                    add(b, next, -c, word: w)
                    add(newId, next, c, word: w)
                }
                symbols[write] = newId
                read += 2
            } else {
                symbols[write] = symbols[read]
                read += 1
            }
            write += 1
        }
        wordLength[w] = write - start
    }

    /// Adds `delta` to the pair's count; a gain records the word in the pair's index and marks
    /// the pair for re-queueing.
    private mutating func add(_ left: UInt32, _ right: UInt32, _ delta: Int, word: Int) {
        let slot: Int
        if let s = pairSlots.value(left, right) {
            slot = Int(s)
        } else {
            slot = pairCount.count
            pairSlots.insert(left, right, UInt64(slot))
            pairLeft.append(left); pairRight.append(right)
            pairCount.append(0); pairWords.append([]); pairStamp.append(-1)
        }
        pairCount[slot] += delta
        if delta > 0 {
            if pairWords[slot].last != Int32(word) { pairWords[slot].append(Int32(word)) }
            if pairStamp[slot] != step { pairStamp[slot] = step; grown.append(slot) }
        }
    }
}
