/// The simplest correct BPE trainer, written independently of the library for comparison: every
/// step recounts all adjacent pairs over all words, takes the highest count (ties: the
/// lexicographically greater pair of byte strings) and rewrites every word.
func referenceMerges(words: [[UInt8]: Int], tokenLimit: Int) -> [([UInt8], [UInt8])] {
    var tokens: [[UInt8]] = (0..<256).map { [UInt8($0)] }
    var known = Set(tokens)
    var state: [([[UInt8]], Int)] = words.map { ($0.key.map { [$0] }, $0.value) }
    var merges: [([UInt8], [UInt8])] = []
    while tokens.count < tokenLimit {
        var counts: [[[UInt8]]: Int] = [:]
        for (symbols, c) in state where symbols.count > 1 {
            for i in 0..<(symbols.count - 1) { counts[[symbols[i], symbols[i + 1]], default: 0] += c }
        }
        guard let best = counts.filter({ $0.value > 0 }).max(by: { x, y in
            if x.value != y.value { return x.value < y.value }
            return x.key[0] != y.key[0] ? x.key[0].lexicographicallyPrecedes(y.key[0]) : x.key[1].lexicographicallyPrecedes(y.key[1])
        }) else { break }
        let (a, b) = (best.key[0], best.key[1])
        merges.append((a, b))
        if !known.contains(a + b) { known.insert(a + b); tokens.append(a + b) }
        state = state.map { symbols, c in
            var out: [[UInt8]] = []
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count && symbols[i] == a && symbols[i + 1] == b { out.append(a + b); i += 2 } else { out.append(symbols[i]); i += 1 }
            }
            return (out, c)
        }
    }
    return merges
}
