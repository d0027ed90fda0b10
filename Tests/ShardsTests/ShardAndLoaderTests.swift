import Corpora
import Foundation
import Support
import Testing
import Tokenizer
@testable import Shards

@Suite struct ShardTests {
    private func preparedSynthetic(_ dir: URL, train: Int = 50_000) throws -> (PreparedCorpus, CorpusCache) {
        let cache = CorpusCache(root: dir.appendingPathComponent("cache"))
        let spec = SyntheticSpec(language: .zipfUnigram, seed: 2, trainBytes: train, valBytes: 20_000)
        let loaded = LoadedManifest(manifest: CorpusManifest(name: "z", description: "d", license: "l", source: .synthetic(spec)),
                                    file: dir.appendingPathComponent("z.yaml"))
        return (try CorpusPreparer.prepare(loaded, cache: cache), cache)
    }

    @Test func byteShardsRoundTripTheTextAndAreCached() throws {
        let dir = makeTemporaryDirectory("shards"); defer { try? FileManager.default.removeItem(at: dir) }
        let (corpus, cache) = try preparedSynthetic(dir)
        let shards = try ShardBuilder.build(corpus, encoding: .bytes, cache: cache)
        #expect(!shards.wasCached)
        let text = [UInt8](try Data(contentsOf: corpus.trainText))
        let shard = try TokenShard(path: shards.train.path)
        #expect(shard.dtype == .uint16 && shard.vocabSize == 256 && shard.count == text.count)
        #expect(try Data(contentsOf: shards.train).count == 2 * text.count)
        #expect((0..<shard.count).allSatisfy { shard[$0] == Int32(text[$0]) })
        let sidecar = try #require(try ShardSidecar.read(tokenFile: shards.train.path))
        #expect(sidecar.tokenizer == "bytes" && sidecar.corpusSHA256 == corpus.info.sha256 && sidecar.split == "train")
        #expect(sidecar.bytes == text.count && sidecar.corpus == corpus.info.name)
        #expect(try ShardBuilder.build(corpus, encoding: .bytes, cache: cache).wasCached)

        // Another tokenizer gets its own entry, whose ids are that tokenizer's encoding of the text.
        let bpe = try BPETokenizer.train(texts: [text], vocabSize: 300)
        let other = try ShardBuilder.build(corpus, encoding: .bpe(bpe), cache: cache)
        #expect(other.directory.path != shards.directory.path)
        let valText = [UInt8](try Data(contentsOf: corpus.valText))
        #expect(try TokenShard(path: other.val.path).ids() == bpe.encode(valText))
    }

    @Test func corruptSidecarsAreErrorsNamingTheFileAndKey() throws {
        let dir = makeTemporaryDirectory("sidecar"); defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("t.bin")
        try Data([1, 0, 2, 0]).write(to: file)
        for (json, expected) in [("{", "invalid JSON"), (#"{"dtype":"uint16","vocab_size":256,"tokens":2}"#, "tokenizer"),
                                 (#"{"dtype":"uint8","vocab_size":256,"tokens":2,"tokenizer":"bytes"}"#, "dtype"),
                                 (#"{"dtype":"uint16","vocab_size":100000,"tokens":2,"tokenizer":"bytes"}"#, "does not fit"),
                                 (#"{"dtype":"uint16","vocab_size":256,"tokens":3,"tokenizer":"bytes"}"#, "sidecar says 3"),
                                 (#"{"dtype":"uint16","vocab_size":256,"tokens":2,"tokenizer":"bytes","extra":1}"#, "extra")] {
            try Data(json.utf8).write(to: URL(fileURLWithPath: file.path + ".json"))
            let message = try #require(errorText { _ = try TokenShard(path: file.path) })
            #expect(message.contains("t.bin") && message.contains(expected), "\(json): \(message)")
        }
    }

    @Test func shardValidationNamesFileAndOffset() throws {
        let dir = makeTemporaryDirectory("badshard"); defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("t.bin")
        let ids: [UInt16] = [1, 2, 3, 300, 4]
        try ids.withUnsafeBytes { try Data($0).write(to: file) }
        let message = try #require(errorText { _ = try TokenShard(path: file.path, vocabSize: 256) })
        #expect(message.contains("t.bin") && message.contains("byte offset 6") && message.contains("300"))
        #expect(try TokenShard(path: file.path, vocabSize: 301).count == 5)
        try Data([1, 2, 3]).write(to: file)
        #expect(try #require(errorText { _ = try TokenShard(path: file.path, vocabSize: 256) }).contains("not a whole number"))
        #expect(try #require(errorText { _ = try TokenShard(path: dir.appendingPathComponent("none.bin").path, vocabSize: 256) }).contains("none.bin"))
    }
}

@Suite struct BatchLoaderTests {
    /// A uint32 shard whose token at position i is i, so every served window is identifiable.
    private func positionShard(_ dir: URL, count: Int) throws -> TokenShard {
        let file = dir.appendingPathComponent("pos.bin")
        let ids = (0..<count).map { UInt32($0).littleEndian }
        try ids.withUnsafeBytes { try Data($0).write(to: file) }
        return try TokenShard(path: file.path, vocabSize: 1 << 20, dtype: .uint32)
    }

    private func withBatch(_ b: Int, _ t: Int, _ body: (Batch) throws -> Void) throws {
        let inputs = UnsafeMutableBufferPointer<Int32>.allocate(capacity: b * t)
        let targets = UnsafeMutableBufferPointer<Int32>.allocate(capacity: b * t)
        defer { inputs.deallocate(); targets.deallocate() }
        try body(try Batch(batchSize: b, contextLength: t, inputs: inputs, targets: targets))
    }

    @Test func randomOrderCountsUniqueTokensExactlyAndRestores() throws {
        let dir = makeTemporaryDirectory("loader"); defer { try? FileManager.default.removeItem(at: dir) }
        let shard = try positionShard(dir, count: 1000)
        let B = 4, T = 16
        let loader = try BatchLoader(shard: shard, batchSize: B, contextLength: T, seed: 42, order: .random)
        var seen = Set<Int32>()
        var saved: BatchLoaderState?
        var afterSave: [[Int32]] = []
        try withBatch(B, T) { batch in
            for step in 0..<40 {
                if step == 25 { saved = loader.state }
                try loader.next(into: batch)
                for b in 0..<B {
                    let start = batch.inputs[b * T]
                    #expect(start >= 0 && Int(start) + T < 1000)
                    for t in 0..<T {
                        #expect(batch.inputs[b * T + t] == start + Int32(t) && batch.targets[b * T + t] == start + Int32(t) + 1)
                        seen.insert(batch.targets[b * T + t])
                    }
                }
                if step >= 25 { afterSave.append(Array(batch.inputs)) }
            }
        }
        #expect(loader.tokensServed == 40 * B * T)
        #expect(loader.uniqueTokensServed == seen.count && loader.repeatedTokens == 40 * B * T - seen.count)
        // Restore the state saved at step 25 and replay: identical batches.
        let restored = try BatchLoader(shard: shard, batchSize: B, contextLength: T, restoring: try #require(saved))
        try withBatch(B, T) { batch in
            for expected in afterSave { try restored.next(into: batch); #expect(Array(batch.inputs) == expected) }
        }
        #expect(restored.state == loader.state)
        let encoded = try JSONEncoder().encode(loader.state)
        #expect(try JSONDecoder().decode(BatchLoaderState.self, from: encoded) == loader.state)
    }

    @Test func epochsTileTheShardOncePerEpochInSeededOrder() throws {
        let dir = makeTemporaryDirectory("epochs"); defer { try? FileManager.default.removeItem(at: dir) }
        let shard = try positionShard(dir, count: 161) // (161 − 1) / 16 = 10 windows per epoch
        let B = 2, T = 16
        let loader = try BatchLoader(shard: shard, batchSize: B, contextLength: T, seed: 7, order: .epochs)
        #expect(loader.windowsPerEpoch == 10)
        var starts: [Int32] = []
        var saved: BatchLoaderState?
        try withBatch(B, T) { batch in
            for step in 0..<15 { // 30 windows = 3 epochs
                if step == 7 { saved = loader.state }
                try loader.next(into: batch)
                starts += [batch.inputs[0], batch.inputs[T]]
            }
        }
        for e in 0..<3 { #expect(Set(starts[(e * 10)..<(e * 10 + 10)]) == Set((0..<10).map { Int32($0 * 16) })) }
        #expect(starts[0..<10] != starts[10..<20]) // reshuffled per epoch
        #expect(loader.state.epoch == 2 && loader.uniqueTokensServed == 160 && loader.repeatedTokens == 320)
        #expect(abs(loader.epochsSeen - 3) < 1e-12)
        let restored = try BatchLoader(shard: shard, batchSize: B, contextLength: T, restoring: try #require(saved))
        var replay: [Int32] = []
        try withBatch(B, T) { batch in for _ in 7..<15 { try restored.next(into: batch); replay += [batch.inputs[0], batch.inputs[T]] } }
        #expect(replay == Array(starts[14...]))
        #expect(restored.state == loader.state)
    }

    @Test func tooSmallCorpusIsRefused() throws {
        let dir = makeTemporaryDirectory("small"); defer { try? FileManager.default.removeItem(at: dir) }
        let shard = try positionShard(dir, count: 16)
        let message = try #require(errorText { _ = try BatchLoader(shard: shard, batchSize: 1, contextLength: 16, seed: 1, order: .random) })
        #expect(message.contains("pos.bin") && message.contains("fewer than one training context of 17"))
    }
}
