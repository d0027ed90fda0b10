#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import Support

/// The lowest validation loss a model with a finite context can reach: the true generator's
/// next-byte loss when it, too, sees only the window.
///
/// The entropy rate assumes the whole past is known. A language model evaluated on windows that
/// start at arbitrary bytes sees the first bytes of each window without knowing where the current
/// word began, so even a perfect model pays more there; averaged over a 128-byte window this is
/// a few percent of the rate, as large as the gaps a fit of E must resolve. This computes that
/// floor exactly (up to the document-length approximation below) for the very windows the
/// trainer evaluates, so a fitted E can be scored against what the models could reach.
///
/// Method: the byte stream is a renewal process of *units* (a word with its space, or the
/// end-of-text marker). The hidden state before each byte is (unit, offset of the next byte in
/// it); a window starts in the stationary state (a unit chosen in proportion to P(u)·len(u), an
/// offset uniform in it). The forward algorithm filters that state byte by byte, and the mass
/// of the states that emit the observed byte is P(byte | window so far). Written by hand: it is a
/// tiny HMM over this generator's own structure, which no library models.
///
/// Approximation: documents hold exactly `words_per_document` words, which a windowed model
/// cannot see (the window is much shorter than a document); the marker is modelled as following
/// each word with the constant probability 1/(words+1), the same mean rate. The difference from
/// the exact phase-aware predictor is under 1e-4 nats per byte.
public protocol ContextWindowFloorComputable: SyntheticLanguage {
    /// The units of the renewal process: their bytes and probabilities (summing to 1).
    var renewalUnits: [(bytes: [UInt8], probability: Double)] { get }
}

public struct ContextWindowFloor: Sendable {
    /// Bytes of each unit, concatenated; `start[u]..<start[u+1]` is unit u.
    let bytes: [UInt8]
    let start: [Int]
    let probability: [Double]
    /// Units whose first byte is b: `firstByteUnits[b]`.
    let firstByteUnits: [[Int32]]
    let meanUnitLength: Double

    public init(units: [(bytes: [UInt8], probability: Double)]) {
        var bytes: [UInt8] = [], start = [0], probability: [Double] = []
        var first = [[Int32]](repeating: [], count: 256)
        var mean = 0.0
        for (u, unit) in units.enumerated() {
            precondition(!unit.bytes.isEmpty, "a renewal unit has at least one byte")
            bytes += unit.bytes; start.append(bytes.count); probability.append(unit.probability)
            first[Int(unit.bytes[0])].append(Int32(u))
            mean += unit.probability * Double(unit.bytes.count)
        }
        self.bytes = bytes; self.start = start; self.probability = probability
        firstByteUnits = first; meanUnitLength = mean
    }

    public init(language: some ContextWindowFloorComputable) { self.init(units: language.renewalUnits) }

    /// Where a window starts: anywhere (the stationary state), or at the start of a unit.
    public enum Start: Sendable { case stationary, unitBoundary }

    /// −ln P(window[1...] | window[0]) under the true process, the sum of the per-byte losses a
    /// language model is scored on when it reads `window[0..<n-1]` and predicts `window[1..<n]`.
    /// Throws if the bytes cannot come from the language.
    public func conditionalNegativeLogLikelihood(_ window: UnsafeRawBufferPointer, from origin: Start = .stationary) throws -> Double {
        // Forward state: sparse (unit, offset of next byte, mass) plus `boundary`, the mass of
        // "the next byte starts a new unit", expanded only when a byte arrives.
        var units: [Int32] = [], offsets: [Int32] = [], masses: [Double] = []
        var boundary = 0.0
        switch origin {
        case .unitBoundary: boundary = 1
        case .stationary:
            for u in 0..<probability.count {
                for j in 0..<(start[u + 1] - start[u]) {
                    units.append(Int32(u)); offsets.append(Int32(j)); masses.append(probability[u] / meanUnitLength)
                }
            }
        }
        var nextUnits: [Int32] = [], nextOffsets: [Int32] = [], nextMasses: [Double] = []
        var nll = 0.0
        for t in 0..<window.count {
            let b = window[t]
            nextUnits.removeAll(keepingCapacity: true); nextOffsets.removeAll(keepingCapacity: true); nextMasses.removeAll(keepingCapacity: true)
            var emitted = 0.0, nextBoundary = 0.0
            func advance(_ u: Int, _ j: Int, _ m: Double) {
                if start[u] + j + 1 < start[u + 1] {
                    nextUnits.append(Int32(u)); nextOffsets.append(Int32(j + 1)); nextMasses.append(m)
                } else {
                    nextBoundary += m
                }
            }
            for i in 0..<units.count {
                let u = Int(units[i]), j = Int(offsets[i])
                if bytes[start[u] + j] == b { emitted += masses[i]; advance(u, j, masses[i]) }
            }
            if boundary > 0 {
                for u in firstByteUnits[Int(b)] {
                    let m = boundary * probability[Int(u)]
                    emitted += m; advance(Int(u), 0, m)
                }
            }
            guard emitted > 0 else {
                throw ScaleLabError.data(path: "window", reason: "byte \(t) (0x\(String(b, radix: 16))) cannot follow the bytes before it in this language")
            }
            if t > 0 { nll -= log(emitted) }
            let scale = 1 / emitted
            units = nextUnits; offsets = nextOffsets; masses = nextMasses.map { $0 * scale }
            boundary = nextBoundary * scale
        }
        return nll
    }

    /// Mean per-byte floor over the windows `text[o...o+context]` for each offset: exactly what
    /// the trainer's validation loss averages (one window per offset, `context` predictions each).
    public func meanLoss(text: UnsafeRawBufferPointer, offsets: [Int], context: Int, name: String) throws -> Double {
        precondition(context >= 1)
        var total = 0.0
        for o in offsets {
            guard o >= 0, o + context < text.count else {
                throw ScaleLabError.data(path: name, reason: "a \(context + 1)-byte window at byte \(o) runs past the end (\(text.count) bytes)")
            }
            do {
                total += try conditionalNegativeLogLikelihood(UnsafeRawBufferPointer(rebasing: text[o...(o + context)]))
            } catch let ScaleLabError.data(_, reason) {
                throw ScaleLabError.data(path: name, reason: "window at byte \(o): \(reason)")
            }
        }
        return total / Double(offsets.count * context)
    }
}

extension ZipfUnigramLanguage: ContextWindowFloorComputable {
    public var renewalUnits: [(bytes: [UInt8], probability: Double)] {
        let p = tables.probabilities(of: words)
        let q = 1 / Double(wordsPerDocument + 1)
        var units = (0..<lexicon.count).map { k in (bytes: Array(lexicon.word(k)) + [0x20], probability: (1 - q) * p[p.startIndex + k]) }
        units.append((bytes: endOfText, probability: q))
        return units
    }
}

extension CorpusPreparer {
    /// The context-window floor (nats per byte) of a synthetic corpus's validation text over the
    /// windows at `offsets`, or nil when the corpus is not synthetic or its language has no
    /// window model (the grammar's topic would need a posterior over documents).
    public static func contextWindowFloor(nameOrPath: String, corporaDirectory: String? = nil, cache: CorpusCache = CorpusCache(),
                                          offsets: [Int], context: Int) throws -> Double? {
        let loaded = try CorpusCatalog(directory: corporaDirectory).load(nameOrPath)
        guard case .synthetic(let spec) = loaded.manifest.source,
              let language = spec.makeLanguage() as? any ContextWindowFloorComputable else { return nil }
        let prepared = try prepare(loaded, cache: cache)
        let floor = ContextWindowFloor(units: language.renewalUnits)
        let data = try Data(contentsOf: prepared.valText, options: .alwaysMapped)
        return try data.withUnsafeBytes { try floor.meanLoss(text: $0, offsets: offsets, context: context, name: prepared.valText.path) }
    }
}
