import Foundation
import Support

/// What `trainAndSave` did, printed by `scalelab tokenizer train`.
public struct TrainingSummary: Sendable, Codable {
    public let vocab_size: Int
    public let merges: Int
    public let unique_pretokens: Int
    public let input_bytes: Int
    public let seconds: Double
    public let output: String
}

extension BPETokenizer {
    /// Trains on `files` and saves the tokenizer (all three files) into `directory`. Nothing is
    /// written if training fails.
    public static func trainAndSave(files: [URL], vocabSize: Int, specialTokens: [String] = [endOfText], threads: Int = 2,
                                    tieBreak: TieBreak = .lexicographic, to directory: URL, progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingSummary {
        guard !files.isEmpty else { throw ScaleLabError.invalid("no input files given") }
        let texts = try files.map { try readNonEmptyFile($0) }
        var last: TrainingProgress?
        let t = try train(texts: texts, vocabSize: vocabSize, specialTokens: specialTokens, threads: threads, tieBreak: tieBreak) { p in
            last = p
            progress(p)
        }
        try t.save(to: directory)
        return TrainingSummary(vocab_size: t.vocabSize, merges: t.merges.count, unique_pretokens: last?.uniquePretokens ?? 0,
                               input_bytes: texts.reduce(0) { $0 + $1.count }, seconds: last?.elapsedSeconds ?? 0, output: directory.path)
    }
}
