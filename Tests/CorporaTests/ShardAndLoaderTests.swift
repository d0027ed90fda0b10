import Foundation
import Support
import Testing
@testable import Corpora

/// A real (if simple) wide-vocabulary encoder: token = 300·byte + position mod 300, so ids
/// exceed 65535 and the shard must be uint32.
struct WideEncoder: TokenEncoder {
    var vocabSize: Int { 256 * 300 }
    var identity: String { "wide-test" }
    func encode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt32] { bytes.enumerated().map { UInt32($0.element) * 300 + UInt32($0.offset % 300) } }
}

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
        let shards = try ShardBuilder.build(corpus, encoder: ByteEncoder(), cache: cache)
        #expect(!shards.wasCached)
        let text = [UInt8](try Data(contentsOf: corpus.trainText))
        let shard = try TokenShard(path: shards.train.path)
        #expect(shard.dtype == .uint16 && shard.vocabSize == 256 && shard.count == text.count)
        #expect(try Data(contentsOf: shards.train).count == 2 * text.count)
        #expect((0..<shard.count).allSatisfy { shard[$0] == Int32(text[$0]) })
        let sidecar = try JSONDecoder().decode(ShardSidecar.self, from: Data(contentsOf: URL(fileURLWithPath: shards.train.path + ".json")))
        #expect(sidecar.tokenizer == "bytes" && sidecar.corpusSHA256 == corpus.info.sha256 && sidecar.split == "train")
        #expect(try ShardBuilder.build(corpus, encoder: ByteEncoder(), cache: cache).wasCached)

        let wide = try ShardBuilder.build(corpus, encoder: WideEncoder(), cache: cache)
        #expect(wide.directory.path != shards.directory.path)
        let wideShard = try TokenShard(path: wide.val.path)
        #expect(wideShard.dtype == .uint32)
        let valText = [UInt8](try Data(contentsOf: corpus.valText))
        // Encoding restarts per document (span), so position is counted from each document start.
        #expect(wideShard.count == valText.count && Int(wideShard[0]) == Int(valText[0]) * 300)
    }

    @Test func spansEndAfterEachMarker() {
        let text = Array("ab<|endoftext|>c<|endo<|endoftext|>".utf8)
        text.withUnsafeBufferPointer { p in
            #expect(ShardBuilder.spanEnd(p, from: 0) == 15)
            #expect(ShardBuilder.spanEnd(p, from: 15) == text.count)
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

    @Test func randomOffsetsCountUniqueTokensExactlyAndRestore() throws {
        let dir = makeTemporaryDirectory("loader"); defer { try? FileManager.default.removeItem(at: dir) }
        let shard = try positionShard(dir, count: 1000)
        let B = 4, T = 16
        let loader = try BatchLoader(shard: shard, batchSize: B, contextLength: T, seed: 42, order: .randomOffsets)
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

    @Test func tooSmallCorpusAndOrderPolicy() throws {
        let dir = makeTemporaryDirectory("small"); defer { try? FileManager.default.removeItem(at: dir) }
        let shard = try positionShard(dir, count: 16)
        let message = try #require(errorText { _ = try BatchLoader(shard: shard, batchSize: 1, contextLength: 16, seed: 1, order: .randomOffsets) })
        #expect(message.contains("pos.bin") && message.contains("fewer than one training context of 17"))
        #expect(BatchOrder.forPlannedTokens(999, shardTokens: 1000) == .randomOffsets)
        #expect(BatchOrder.forPlannedTokens(1000, shardTokens: 1000) == .epochs)
    }
}
