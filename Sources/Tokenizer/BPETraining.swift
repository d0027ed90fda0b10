import Foundation
import Support

/// Where training is, for progress reports.
public struct TrainingProgress: Sendable {
    public enum Phase: String, Sendable { case counting, merging, done }
    public let phase: Phase
    /// Distinct pre-tokens found (known from the merging phase on).
    public let uniquePretokens: Int
    public let mergesLearned: Int
    /// Merges needed to reach the requested vocabulary size.
    public let mergesTarget: Int
    public let elapsedSeconds: Double
}

extension BPETokenizer {
    /// The special token GPT-2 uses between documents; the default special token.
    public static let endOfText = "<|endoftext|>"

    /// Learns a byte-level BPE vocabulary of `vocabSize` ids from texts.
    ///
    /// Texts are split at special tokens (which are removed), pre-tokenised with the GPT-2 pattern
    /// and counted once (in parallel over `threads`); merges are then learned incrementally (see
    /// `BPETrainer`): the most frequent adjacent pair wins, ties go to the lexicographically
    /// greater pair of byte strings (`tieBreak: .huggingFace` reproduces `tokenizers` instead). Ids: 0–255 bytes, then merged tokens in order, then
    /// `specialTokens` last. If the texts run out of pairs first, the vocabulary is smaller.
    /// - Throws: `ScaleLabError.invalid` when `vocabSize < 256 + specialTokens.count`, a special
    ///   token is empty or repeated, or the texts are empty.
    public static func train(texts: [[UInt8]], vocabSize: Int, specialTokens: [String] = [endOfText], threads: Int = 2,
                             tieBreak: TieBreak = .lexicographic, progress: (TrainingProgress) -> Void = { _ in }) throws -> BPETokenizer {
        guard Set(specialTokens).count == specialTokens.count, !specialTokens.contains("") else {
            throw ScaleLabError.invalid("special tokens must be non-empty and distinct, got \(specialTokens)")
        }
        guard vocabSize >= 256 + specialTokens.count else {
            throw ScaleLabError.invalid("vocab size \(vocabSize) is smaller than 256 bytes + \(specialTokens.count) special token(s) = \(256 + specialTokens.count)")
        }
        guard texts.contains(where: { !$0.isEmpty }) else { throw ScaleLabError.invalid("the training text is empty") }
        let clock = ContinuousClock.now
        func elapsed() -> Double { let d = ContinuousClock.now - clock; return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        let tokenLimit = vocabSize - specialTokens.count
        progress(TrainingProgress(phase: .counting, uniquePretokens: 0, mergesLearned: 0, mergesTarget: tokenLimit - 256, elapsedSeconds: 0))
        let counts = PretokenCounter.count(texts, specials: specialTokens.map { Array($0.utf8) }, threads: threads)
        let words = (0..<counts.count).lazy.map { e in (bytes: ArraySlice(counts.key(e)), count: Int(counts.payloads[e])) }
        var trainer = BPETrainer(words: words, tieBreak: tieBreak)
        let unique = counts.count
        trainer.run(tokenLimit: tokenLimit) { learned in
            progress(TrainingProgress(phase: .merging, uniquePretokens: unique, mergesLearned: learned, mergesTarget: tokenLimit - 256, elapsedSeconds: elapsed()))
        }
        var tokens = (0..<trainer.store.count).map { Array(trainer.store.token(UInt32($0))) }
        var specials: [SpecialToken] = []
        for s in specialTokens {
            specials.append(SpecialToken(content: s, id: UInt32(tokens.count)))
            tokens.append(Array(s.utf8))
        }
        let tokenizer = try BPETokenizer(tokens: tokens, merges: trainer.merges, specialTokens: specials)
        progress(TrainingProgress(phase: .done, uniquePretokens: unique, mergesLearned: trainer.merges.count, mergesTarget: tokenLimit - 256, elapsedSeconds: elapsed()))
        return tokenizer
    }

    /// Trains on the concatenated contents of files (each file is a separate text: no pre-token
    /// spans two files). Throws naming the file if one cannot be read or is empty.
    public static func train(files: [URL], vocabSize: Int, specialTokens: [String] = [endOfText], threads: Int = 2,
                             tieBreak: TieBreak = .lexicographic, progress: (TrainingProgress) -> Void = { _ in }) throws -> BPETokenizer {
        guard !files.isEmpty else { throw ScaleLabError.invalid("no input files given") }
        let texts = try files.map { try readNonEmptyFile($0) }
        return try train(texts: texts, vocabSize: vocabSize, specialTokens: specialTokens, threads: threads, tieBreak: tieBreak, progress: progress)
    }
}

/// The bytes of a file; throws `ScaleLabError` naming the file if it is unreadable or empty.
func readNonEmptyFile(_ url: URL) throws -> [UInt8] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw ScaleLabError.io(path: url.path, reason: "cannot read: \(FileSystemError.reason(error))")
    }
    guard !data.isEmpty else { throw ScaleLabError.data(path: url.path, reason: "the file is empty") }
    return [UInt8](data)
}
