import ArgumentParser
import Foundation
import Shards
import Support
import Tokenizer

/// `scalelab tokenizer train|encode|decode|info`: byte-level BPE tokenizers and token shards.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train, apply and inspect byte-level BPE tokenizers.",
        subcommands: [Train.self, Encode.self, Decode.self, Info.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Learn a BPE vocabulary from text files; writes tokenizer.json, vocab.json and merges.txt.")
        @Option(name: .long, parsing: .upToNextOption, help: "Training text file(s); each is a separate text.")
        var input: [String] = []
        @Option(name: .long, parsing: .unconditional, help: "Vocabulary size: 256 bytes + merges + special tokens.")
        var vocabSize: Int
        @Option(name: .customLong("special"), help: "A special token (repeatable; default <|endoftext|>). Special tokens take the last ids.")
        var special: [String] = []
        @Flag(name: .long, help: "Train without any special token.")
        var noSpecial = false
        @Option(name: .long, help: "Output directory.")
        var out: String
        @Option(name: .long, parsing: .unconditional, help: "Threads for pre-tokenisation and counting.")
        var threads: Int = 2
        @Option(name: .long, help: "Tie rule for equally frequent pairs: lexicographic (greater byte strings win) or huggingface (reproduces the tokenizers library).")
        var tieBreak: TieBreak = .lexicographic

        func validate() throws {
            guard !input.isEmpty else { throw ValidationError("give at least one --input file") }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            guard !(noSpecial && !special.isEmpty) else { throw ValidationError("--no-special and --special exclude each other") }
        }

        func run() throws {
            let specials = noSpecial ? [] : (special.isEmpty ? [BPETokenizer.endOfText] : special)
            var lastPrint = -1.0
            let summary = try BPETokenizer.trainAndSave(
                files: input.map { URL(fileURLWithPath: $0) }, vocabSize: vocabSize, specialTokens: specials,
                threads: threads, tieBreak: tieBreak, to: URL(fileURLWithPath: out)) { p in
                guard p.phase == .merging, p.elapsedSeconds - lastPrint >= 0.5 || p.mergesLearned == p.mergesTarget else { return }
                lastPrint = p.elapsedSeconds
                FileHandle.standardError.write(Data(String(format: "merges %d/%d  %.0f merges/s  (%d distinct pre-tokens, %.1f s)\n",
                    p.mergesLearned, p.mergesTarget, Double(p.mergesLearned) / max(p.elapsedSeconds, 1e-9), p.uniquePretokens, p.elapsedSeconds).utf8))
            }
            if summary.vocab_size < vocabSize {
                log.notice("the text ran out of pairs to merge; the vocabulary has \(summary.vocab_size) ids, not \(vocabSize)")
            }
            print(try JSONOutput.string(summary), terminator: "")
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Encode a text file into a token shard (raw little-endian uint16 when vocab ≤ 65536, else uint32) plus a .json sidecar.")
        @Option(name: .long, help: "Tokenizer directory or tokenizer.json / vocab.json file.")
        var tokenizer: String
        @Option(name: .long, help: "Text file to encode.")
        var input: String
        @Option(name: .long, help: "Output shard, e.g. train.bin.")
        var out: String
        @Flag(name: .long, help: "Treat special-token text in the input as ordinary text.")
        var noSpecial = false
        @Option(name: .long, parsing: .unconditional, help: "Encoding threads.")
        var threads: Int = 2

        func validate() throws { guard threads >= 1 else { throw ValidationError("--threads must be at least 1") } }

        func run() throws {
            var lastPercent = -10
            var encodingSeconds = 0.0
            let start = ContinuousClock.now
            let bpe = try BPETokenizer.load(from: URL(fileURLWithPath: tokenizer))
            let summary = try ShardWriter.encode(
                input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: out), encoding: .bpe(bpe),
                allowSpecial: !noSpecial, threads: threads, progress: { p in
                encodingSeconds = p.encodingSeconds
                let percent = p.bytesTotal > 0 ? p.bytesDone * 100 / p.bytesTotal : 100
                if percent >= lastPercent + 10 {
                    lastPercent = percent
                    FileHandle.standardError.write(Data("encoded \(percent)% (\(p.tokens) tokens)\n".utf8))
                }
            })
            let d = ContinuousClock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            FileHandle.standardError.write(Data(String(format: "encoded %d bytes into %d tokens: encoding %.3f s (%.1f MB/s); %.3f s in all with loading, reading and writing\n",
                summary.bytes ?? 0, summary.tokens, encodingSeconds, Double(summary.bytes ?? 0) / max(encodingSeconds, 1e-9) / 1e6, seconds).utf8))
            print(try JSONOutput.string(summary), terminator: "")
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decode a token shard back to bytes.")
        @Option(name: .long, help: "Tokenizer directory or file.")
        var tokenizer: String
        @Option(name: .long, help: "Token shard (.bin); its dtype comes from the .bin.json sidecar, else from the vocabulary size.")
        var input: String
        @Option(name: .long, help: "Output file for the decoded bytes.")
        var out: String

        func run() throws {
            let bpe = try BPETokenizer.load(from: URL(fileURLWithPath: tokenizer))
            let n = try ShardWriter.decode(input: URL(fileURLWithPath: input), tokenizer: bpe, output: URL(fileURLWithPath: out))
            print("wrote \(n) bytes to \(out)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Vocabulary size, longest tokens and, given a text, bytes per token and unigram entropy.")
        @Argument(help: "Tokenizer directory or file.")
        var tokenizer: String
        @Option(name: .long, help: "A text file to measure bytes/characters per token and the unigram entropy on.")
        var text: String?
        @Option(name: .long, parsing: .unconditional, help: "How many of the longest tokens to list.")
        var longest: Int = 10

        func validate() throws { guard longest >= 0 else { throw ValidationError("--longest must be ≥ 0") } }

        func run() throws {
            let info = try TokenizerInfo.describe(tokenizer: URL(fileURLWithPath: tokenizer), text: text.map { URL(fileURLWithPath: $0) }, longest: longest)
            print(try JSONOutput.string(info), terminator: "")
        }
    }
}
