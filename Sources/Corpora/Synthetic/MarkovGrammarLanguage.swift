import Support

/// A language with documents, topics, sentences and word classes, whose entropy rate is exact.
///
/// Generation of one document:
/// 1. Topic z ~ uniform over Z topics; the first line is the topic's header word (uppercase) + "\n".
/// 2. Sentences: class c_1 ~ s (start distribution over K classes); then repeatedly emit a word of
///    class c from its lexicon with distribution E_{c,z}, and move to c' ~ T_c over K classes plus
///    END. Words are followed by " ", the last word of a sentence by ".\n".
/// 3. After each sentence the document ends with probability q = 1/`sentences_per_document`.
/// The caller appends `<|endoftext|>` (13 bytes).
/// Half the classes are "function" classes (small lexicons, topic independent); the other half
/// are "content" classes whose word distribution depends on the topic: E_{c,z} mixes the shared
/// Zipf ranking with a topic-specific permutation of it, 50/50. The topic therefore shapes word
/// choice across the whole document (a long-range dependency a bigger context/model can use), and
/// the class chain gives short-range syntax.
///
/// Entropy rate (exact). Lexicons are disjoint and contain no separator bytes, and headers are
/// the only uppercase words, so a document's bytes determine (z, the class sequence with sentence
/// ends, every word, the number of sentences) and vice versa: H(D) = H(z, classes, words, stops).
/// By the chain rule, with v = s(I − Q)^{-1} the expected visits to each class in one sentence (Q
/// the K×K class-to-class part of T), h(·) entropies in nats and h₂(q) the binary entropy:
///     H(D)   = ln Z + (1/q) · mean_z[ h(s) + Σ_c v_c (h(T_c) + h(E_{c,z})) ] + (1/q) h₂(q)
///     E|D|   = mean_z |header_z| + 1 + (1/q) · mean_z[ Σ_c v_c (E_z[len] _c + 1) + 1 ] + 13
/// (the number of sentences is geometric with mean 1/q and independent of z; each word carries
/// its one separator byte, each sentence one extra "\n"). Documents are i.i.d., so the byte
/// entropy rate is H(D)/E|D| (renewal–reward with Shannon–McMillan–Breiman), computed in Double
/// precision (relative error ~1e-12 from the linear solve).
public struct MarkovGrammarLanguage: SyntheticLanguage {
    let lexicon: Lexicon
    let tables: AliasTables
    let classCount: Int
    let topicCount: Int
    let headerBase: Int
    let classBase: [Int]
    let start: AliasTables.Ref
    /// Row c: successors of class c over K classes + END (index K).
    let transitions: [AliasTables.Ref]
    /// Index z·K + c.
    let emissions: [AliasTables.Ref]
    let endProbability: Double
    let wordIndex: [ArraySlice<UInt8>: Int]
    let classOfWord: [Int]
    public let entropyRate: EntropyRate
    public let meanDocumentBytes: Double
    /// Expected words per sentence, exposed for `info`.
    public let meanSentenceWords: Double

    public init(spec: SyntheticSpec) {
        var rng = spec.stream("structure")
        let K = spec.classes, Z = spec.topics
        classCount = K; topicCount = Z
        endProbability = 1 / spec.sentencesPerDocument
        let functionClasses = K / 2
        var lex = Lexicon()
        let headerBase = lex.addWords(Z, uppercase: true, rng: &rng)
        self.headerBase = headerBase
        var bases: [Int] = [], sizes: [Int] = []
        for c in 0..<K {
            let size = c < functionClasses ? max(8, spec.lexiconSize / 16) : spec.lexiconSize
            bases.append(lex.addWords(size, uppercase: false, rng: &rng)); sizes.append(size)
        }
        classBase = bases
        let tables = AliasTables()
        func gaussianWeight(_ scale: Double) -> Double { exp(scale * rng.nextGaussian()) }
        // Start: sentences mostly open with a function word.
        start = tables.add(weights: (0..<K).map { c in (c < functionClasses ? 1.0 : 0.2) * gaussianWeight(0.7) })
        // Transitions: a small floor to every class, three favoured successors (mostly of the
        // other kind, function ↔ content), and an END weight that content classes carry.
        var rows: [AliasTables.Ref] = []
        for c in 0..<K {
            var w = [Double](repeating: 0.05, count: K + 1)
            let isFunction = c < functionClasses
            for pick in 0..<3 {
                let otherKind = pick < 2
                let lo = (isFunction == otherKind) ? functionClasses : 0
                let hi = (isFunction == otherKind) ? K : functionClasses
                let j = lo + Int(rng.next() % UInt64(max(1, hi - lo)))
                w[min(j, K - 1)] += gaussianWeight(1.0)
            }
            w[K] = isFunction ? 0.01 : 0.4 * gaussianWeight(0.5)
            rows.append(tables.add(weights: w))
        }
        transitions = rows
        var refs: [AliasTables.Ref] = []
        var functionRefs: [Int: AliasTables.Ref] = [:]
        for _ in 0..<Z {
            for c in 0..<K {
                let zipf = zipfWeights(count: sizes[c], exponent: spec.zipfExponent)
                if c < functionClasses {
                    if functionRefs[c] == nil { functionRefs[c] = tables.add(weights: zipf) }
                    refs.append(functionRefs[c]!)
                } else {
                    // Fisher–Yates with our own index draw, so the bytes do not depend on the
                    // standard library's shuffle algorithm.
                    var permutation = Array(0..<sizes[c])
                    for i in stride(from: permutation.count - 1, to: 0, by: -1) {
                        permutation.swapAt(i, Int(rng.next() % UInt64(i + 1)))
                    }
                    refs.append(tables.add(weights: (0..<sizes[c]).map { 0.5 * zipf[$0] + 0.5 * zipf[permutation[$0]] }))
                }
            }
        }
        emissions = refs
        self.tables = tables

        // Exact entropy rate (see the type's comment).
        let s = Array(tables.probabilities(of: start))
        let T = rows.map { Array(tables.probabilities(of: $0)) }
        let visits = solveTransposed(identityMinus: T.map { Array($0[0..<K]) }, rhs: s)
        meanSentenceWords = visits.reduce(0, +)
        var sentenceEntropy = 0.0, sentenceBytes = 0.0
        for z in 0..<Z {
            var h = entropyNats(s), b = 1.0
            for c in 0..<K {
                let e = tables.probabilities(of: refs[z * K + c])
                let meanLength = zip(e, bases[c]..<(bases[c] + sizes[c])).reduce(0.0) { $0 + $1.0 * Double(lex.lengths[$1.1]) }
                h += visits[c] * (entropyNats(T[c]) + entropyNats(e))
                b += visits[c] * (meanLength + 1)
            }
            sentenceEntropy += h / Double(Z); sentenceBytes += b / Double(Z)
        }
        let q = endProbability
        let binary = q < 1 ? -(q * log(q) + (1 - q) * log(1 - q)) : 0
        let headerBytes = (0..<Z).reduce(0.0) { $0 + Double(lex.lengths[headerBase + $1]) } / Double(Z) + 1
        let documentEntropy = log(Double(Z)) + (sentenceEntropy + binary) / q
        meanDocumentBytes = headerBytes + sentenceBytes / q + Double(endOfText.count)
        entropyRate = EntropyRate(natsPerByte: documentEntropy / meanDocumentBytes)

        var index: [ArraySlice<UInt8>: Int] = [:]
        var classes = [Int](repeating: -1, count: lex.count)
        for i in 0..<lex.count { index[lex.word(i)] = i }
        for c in 0..<K { for i in bases[c]..<(bases[c] + sizes[c]) { classes[i] = c } }
        wordIndex = index; classOfWord = classes
        lexicon = lex
    }

    public func writeDocument(to out: OutputBuffer, rng: inout SeededRandom) throws {
        let K = classCount, q = endProbability
        var random = rng  // a local copy keeps the hot loop's state in registers
        defer { rng = random }
        try tables.entries.withUnsafeBufferPointer { tableBuffer in
            try lexicon.slots.withUnsafeBufferPointer { slots in
                try lexicon.lengths.withUnsafeBufferPointer { lengths in
                    try emissions.withUnsafeBufferPointer { emissions in
                        try transitions.withUnsafeBufferPointer { transitions in
                            try classBase.withUnsafeBufferPointer { classBase in
                                let table = tableBuffer.baseAddress!
                                var p = out.base + out.count
                                let limit = out.base + out.capacity
                                @inline(__always) func put(_ word: Int, _ separator: UInt16, _ separatorLength: Int) {
                                    let v = UnsafeRawPointer(slots.baseAddress! + word &* Lexicon.slot).loadUnaligned(as: SIMD16<UInt8>.self)
                                    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<UInt8>.self)
                                    p += lengths[word]
                                    UnsafeMutableRawPointer(p).storeBytes(of: separator.littleEndian, as: UInt16.self)
                                    p += separatorLength
                                }
                                if p >= limit { out.count = p - out.base; try out.flush(); p = out.base }
                                let z = Int(truncatingIfNeeded: ((random.next() >> 32) &* UInt64(topicCount)) >> 32)
                                put(headerBase + z, 0x0A, 1)
                                let emit = emissions.baseAddress! + z &* K
                                repeat {
                                    var c = AliasTables.sample(table, start, random.next())
                                    while true {
                                        if p >= limit { out.count = p - out.base; try out.flush(); p = out.base }
                                        let k = AliasTables.sample(table, emit[c], random.next())
                                        let next = AliasTables.sample(table, transitions[c], random.next())
                                        if next == K { put(classBase[c] &+ k, 0x0A2E, 2); break } // ".\n"
                                        put(classBase[c] &+ k, 0x20, 1)
                                        c = next
                                    }
                                } while random.nextDouble() >= q
                                out.count = p - out.base
                            }
                        }
                    }
                }
            }
        }
    }

    public func negativeLogLikelihood(ofDocument bytes: UnsafeRawBufferPointer) throws -> Double {
        func fail(_ at: Int, _ reason: String) -> ScaleLabError { .data(path: "document", reason: "byte \(at): \(reason)") }
        let K = classCount
        let s = tables.probabilities(of: start)
        guard let newline = bytes.firstIndex(of: 0x0A), let header = wordIndex[ArraySlice(bytes[0..<newline])],
              header >= headerBase, header < headerBase + topicCount else { throw fail(0, "no topic header line") }
        let z = header - headerBase
        var nll = log(Double(topicCount))
        var i = newline + 1
        while true {
            var previous = -1
            while true { // one word and its separator
                var j = i
                while j < bytes.count, bytes[j] != 0x20, bytes[j] != 0x2E { j += 1 }
                guard j < bytes.count, let id = wordIndex[ArraySlice(bytes[i..<j])], classOfWord[id] >= 0 else {
                    throw fail(i, "not a word of the language")
                }
                let c = classOfWord[id]
                let pClass = previous < 0 ? s[s.startIndex + c] : tables.probabilities(of: transitions[previous])[transitions[previous].offset + c]
                let e = tables.probabilities(of: emissions[z * K + c])
                nll -= log(pClass) + log(e[e.startIndex + id - classBase[c]])
                previous = c
                i = j + 1
                if bytes[j] == 0x2E { break }
            }
            let row = tables.probabilities(of: transitions[previous])
            nll -= log(row[row.startIndex + K])
            guard i < bytes.count, bytes[i] == 0x0A else { throw fail(i, "sentence must end with \".\\n\"") }
            i += 1
            if i == bytes.count { return nll - log(endProbability) }
            nll -= log(1 - endProbability)
        }
    }
}

/// Solves (I − A)ᵀ x = b for x (A square, spectral radius < 1) by Gaussian elimination with
/// partial pivoting; used for expected visit counts of an absorbing Markov chain.
func solveTransposed(identityMinus a: [[Double]], rhs b: [Double]) -> [Double] {
    let n = b.count
    var m = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - a[j][i] } + [b[i]] }
    for col in 0..<n {
        let pivot = (col..<n).max { abs(m[$0][col]) < abs(m[$1][col]) }!
        m.swapAt(col, pivot)
        for r in 0..<n where r != col {
            let f = m[r][col] / m[col][col]
            if f != 0 { for k in col...n { m[r][k] -= f * m[col][k] } }
        }
    }
    return (0..<n).map { m[$0][n] / m[$0][$0] }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
