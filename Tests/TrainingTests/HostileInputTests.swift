import Foundation
import Shards
import Support
import Sweep
import Testing
@testable import Training

/// Re-seals a safetensors file after an edit: its content hash set to what the edited bytes hash to,
/// so only the structural checks can catch the edit.
func rehashed(_ file: Data) throws -> Data {
    let n = file.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    let header = String(decoding: file[8..<(8 + n)], as: UTF8.self)
    let pattern = try #require(header.range(of: #""content_hash":"[0-9a-f]{16}""#, options: .regularExpression))
    let zeroed = header.replacingCharacters(in: pattern, with: "\"content_hash\":\"0000000000000000\"")
    var out = file
    out.replaceSubrange(8..<(8 + n), with: Data(zeroed.utf8))
    var h = FNV1a64()
    out.withUnsafeBytes { h.update($0) }
    let sealed = header.replacingCharacters(in: pattern, with: "\"content_hash\":\"\(h.hex)\"")
    out.replaceSubrange(8..<(8 + n), with: Data(sealed.utf8))
    return out
}

/// A file's header JSON replaced by `edit(header)` (re-padded, its length updated); the data
/// section, whose offsets are relative to its start, is kept.
func editingHeader(_ file: Data, _ edit: (String) -> String) throws -> Data {
    let n = file.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    var header = Array(edit(String(decoding: file[8..<(8 + n)], as: UTF8.self)).utf8)
    while header.last == 0x20 { header.removeLast() }
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
    var out = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Data($0) }
    out.append(contentsOf: header)
    out.append(file[(8 + n)...])
    return out
}

/// Every file under `dir` (the lock file aside: it records the last owner's pid) with its bytes and
/// modification date.
func snapshot(_ dir: URL) throws -> [String: (Data, Date)] {
    var out: [String: (Data, Date)] = [:]
    let files = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
    for f in files where !f.hasSuffix(DirectoryLock.fileName) {
        let url = dir.appendingPathComponent(f)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else { continue }
        let date = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date ?? .distantPast
        out[f] = (try Data(contentsOf: url), date)
    }
    return out
}

/// The issue's classes of hostile input and faults, one test (or more) each: traps, escape from the
/// runs directory, silent corruption, faults, unclear errors.
@Suite(.serialized) struct HostileInputTests {
    // MARK: traps

    @Test func oversizedConfigsAreRefusedNamingTheKeyBeforeAnythingIsWritten() throws {
        let text = try realText()
        // Overflow: d_model 10^9 squared times layers does not fit 64 bits.
        #expect { _ = try RunConfig.parse(yaml: "name: x\nmodel: {d_model: 1000000000, n_layer: 2, n_head: 2, context: 8}\ndata: {text: \(text.path)}\n", source: "big.yaml") } throws: {
            "\($0)".contains("big.yaml") && "\($0)".contains("model.d_model") && "\($0)".contains("overflow")
        }
        // Fits 64 bits but not the machine: refused with the figure and the limit, nothing written.
        var config = try resumableConfig(text: text, steps: 8)
        config.training.batchSize = 1_000_000_000
        let dir = temporaryDirectory("huge").appendingPathComponent("run")
        #expect { try config.checkFitsMemory(limit: 8 << 30) } throws: { "\($0)".contains("GiB") && "\($0)".contains("8.00 GiB") }
        #expect(throws: ScaleLabError.self) { try train(config: config, runDirectory: dir) }
        #expect(!FileManager.default.fileExists(atPath: dir.path), "nothing may be written for a refused config")
        // The figure is the one MemoryEstimate gives: a small config passes a limit just above it.
        let small = try resumableConfig(text: text, steps: 8)
        let need = try small.memoryEstimate(threads: small.resolvedThreads).totalBytes
        try small.checkFitsMemory(limit: UInt64(need))
        #expect(throws: ScaleLabError.self) { try small.checkFitsMemory(limit: UInt64(need - 1)) }
        // A --set key nested 60 000 levels deep would recurse off the stack.
        let deep = String(repeating: "a.", count: 60_000) + "b=1"
        #expect { _ = try RunConfig.parse(yaml: "name: x\nmodel: {d_model: 8, n_layer: 1, n_head: 2, context: 8}\ndata: {text: \(text.path)}\n", source: "d.yaml", overrides: [deep]) } throws: { "\($0)".contains("nests deeper") }
        // Validation windows are allocated one offset each.
        #expect { _ = try RunConfig.parse(yaml: "name: x\nmodel: {d_model: 8, n_layer: 1, n_head: 2, context: 8}\ndata: {text: \(text.path)}\ntraining: {eval_batches: 1000000000000}\n", source: "e.yaml") } throws: { "\($0)".contains("training.eval_batches") }
        // mlp_ratio × d_model is converted to Int: a huge ratio must not trap.
        #expect(throws: ScaleLabError.self) { _ = try RunConfig.parse(yaml: "name: x\nmodel: {d_model: 8, n_layer: 1, n_head: 2, context: 8, mlp_ratio: 1.0e300}\ndata: {text: \(text.path)}\n", source: "r.yaml") }
    }

    @Test func hostileShapesAndOffsetsGiveErrorsNotTraps() throws {
        let values: [Float] = [1, 2, 3, 4]
        let good = try values.withUnsafeBufferPointer { try Safetensors.encode([.init(name: "w", shape: [2, 2], data: $0)], metadata: [:], hashed: false) }
        func decode(_ edit: @escaping (String) -> String) throws -> String {
            let data = try editingHeader(good, edit)
            do { _ = try Safetensors.decode(data, source: "h.safetensors", requireHash: false); return "accepted" } catch { return "\(error)" }
        }
        // A shape whose element count overflows 64 bits.
        #expect(try decode { $0.replacingOccurrences(of: "[2,2]", with: "[4611686018427387904,4]") }.contains("overflows"))
        // Negative, fractional and absurd offsets.
        #expect(try decode { $0.replacingOccurrences(of: "[0,16]", with: "[-16,0]") }.contains("data_offsets"))
        #expect(try decode { $0.replacingOccurrences(of: "[0,16]", with: "[0.5,16]") }.contains("data_offsets"))
        #expect(try decode { $0.replacingOccurrences(of: "[0,16]", with: "[0,99999999999999999999]") }.contains("data_offsets"))
        // A header length beyond the file.
        var long = good
        long.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64.max.littleEndian) { Data($0) })
        #expect { _ = try Safetensors.decode(long, source: "h.safetensors", requireHash: false) } throws: { "\($0)".contains("truncated") }
    }

    // MARK: escape

    @Test func runNamesThatAreNotOnePathComponentAreRefused() throws {
        let text = try realText()
        for name in ["..", ".", "a/b", "../up", "x\u{1b}[2J", String(repeating: "n", count: 300)] {
            let yaml = "name: \"\(name.replacingOccurrences(of: "\u{1b}", with: "\\e"))\"\nmodel: {d_model: 8, n_layer: 1, n_head: 2, context: 8}\ndata: {text: \(text.path)}\n"
            #expect(performing: { _ = try RunConfig.parse(yaml: yaml, source: "n.yaml") }, throws: { "\($0)".contains("'name'") })
        }
    }

    // MARK: silent corruption

    @Test func overlappingOffsetsWithAValidHashAreRefused() throws {
        let a: [Float] = [1, 2], b: [Float] = [3, 4]
        let good = try a.withUnsafeBufferPointer { pa in
            try b.withUnsafeBufferPointer { pb in
                try Safetensors.encode([.init(name: "a", shape: [2], data: pa), .init(name: "b", shape: [2], data: pb)], metadata: ["n": "5"], hashed: true)
            }
        }
        _ = try Safetensors.decode(good, source: "ok", requireHash: true)
        // b aliases a's bytes and the data grows by a gap nobody owns — hash re-sealed, so only the
        // structure can tell.
        let overlap = try rehashed(try editingHeader(good) { $0.replacingOccurrences(of: "[8,16]", with: "[4,12]") }.dropLast(4))
        #expect { _ = try Safetensors.decode(Data(overlap), source: "o", requireHash: true) } throws: { "\($0)".contains("overlap") }
        var gap = try editingHeader(good) { $0.replacingOccurrences(of: "[8,16]", with: "[12,20]") }
        gap.append(contentsOf: [0, 0, 0, 0])
        #expect { _ = try Safetensors.decode(try rehashed(gap), source: "g", requireHash: true) } throws: { "\($0)".contains("belong to no tensor") }
        // Metadata that is not string → string.
        let meta = try rehashed(try editingHeader(good) { $0.replacingOccurrences(of: "\"n\":\"5\"", with: "\"n\":5") })
        #expect { _ = try Safetensors.decode(meta, source: "m", requireHash: true) } throws: { "\($0)".contains("not a string") }
    }

    @Test func aCheckpointWithGarbageMetricsOrAForeignTensorIsSkippedNamingTheFile() throws {
        let text = try realText()
        let config = try resumableConfig(text: text, steps: 12)
        let whole = temporaryDirectory("whole"), dir = temporaryDirectory("garbage")
        _ = try train(config: config, runDirectory: whole)
        _ = try train(config: config, runDirectory: dir, options: TrainingOptions(stopAfterStep: 8))
        let store = CheckpointStore(runDirectory: dir)
        let newest = store.url(step: 8)
        let original = try Data(contentsOf: newest)
        // Same length, valid hash, but the metrics text is no longer a metrics log.
        let garbage = try rehashed(try editingHeader(original) { $0.replacingOccurrences(of: "step,tokens,lr", with: "\\u0007kens,lr") })
        try garbage.write(to: newest)
        #expect { _ = try Checkpoint.read(newest) } throws: { "\($0)".contains("metrics_csv") }
        var warnings: [String] = [], resumedFrom: Int?
        _ = try train(config: config, runDirectory: dir) {
            if case let .warning(w) = $0 { warnings.append(w) }
            if case let .resumed(step, _) = $0 { resumedFrom = step }
        }
        #expect(warnings.count == 1 && warnings[0].contains("step-00000008") && warnings[0].contains("metrics_csv"))
        #expect(resumedFrom == 4)
        let metrics = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)
        #expect(metrics.hasPrefix(MetricsLog.header + "\n"))
        #expect(try metricsWithoutSeconds(dir) == metricsWithoutSeconds(whole))
        // A sampler state claiming 10^18 windows served would make the resume replay them forever.
        let endless = try rehashed(try editingHeader(original) {
            $0.replacingOccurrences(of: #"\"windows_served\" : 32"#, with: #"\"windows_served\" : 1000000000000000000"#)
        })
        #expect(endless != original)
        #expect { _ = try Checkpoint.decode(endless, url: newest, verifyHash: true) } throws: { "\($0)".contains("loader_state") }
        // A tensor renamed to one the model does not have: refused, not half-loaded.
        let foreign = try rehashed(try editingHeader(original) { $0.replacingOccurrences(of: "\"params.", with: "\"paramz.") })
        #expect { _ = try Checkpoint.decode(foreign, url: newest, verifyHash: true) } throws: { "\($0)".contains("paramz") }
    }

    @Test func aFinishedWSDSweepReRunChangesNoFile() throws {
        let text = try realText()
        let base = try resumableConfig(text: text, steps: 8, schedule: "{kind: wsd, warmup_steps: 2, decay_fraction: 0.25}")
        let tps = base.tokensPerStep
        let sweep = temporaryDirectory("wsd-noop")
        let first = try WSDSweep.run(config: base, tokens: [8 * tps, 12 * tps], directory: sweep)
        let before = try snapshot(sweep)
        #expect(before.keys.contains("sweep.json") && before.keys.contains { $0.hasPrefix("trunk/checkpoints/") })
        Thread.sleep(forTimeInterval: 0.05)
        let again = try WSDSweep.run(config: base, tokens: [8 * tps, 12 * tps], directory: sweep)
        let after = try snapshot(sweep)
        #expect(Set(after.keys) == Set(before.keys))
        for (name, (data, date)) in before {
            #expect(after[name]?.0 == data && after[name]?.1 == date, "\(name) changed")
        }
        #expect(again.branches.map(\.finalValLoss) == first.branches.map(\.finalValLoss))
        // The trunk was not extended through its decay.
        let trunk = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: sweep.appendingPathComponent("trunk/summary.json")))
        #expect(trunk.status == .stopped && trunk.steps == 9)
    }

    // MARK: faults

    @Test func aSecondProcessOnARunDirectoryIsRefusedWithTheOwnersPid() throws {
        let text = try realText()
        let config = try resumableConfig(text: text, steps: 4)
        let dir = temporaryDirectory("locked")
        let held = try DirectoryLock(dir, purpose: "test")
        #expect { try train(config: config, runDirectory: dir) } throws: { "\($0)".contains("in use by pid \(getpid())") }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.json").path))
        withExtendedLifetime(held) {}
    }

    @Test func aStopRequestEndsAfterTheStepWithACheckpointAndResumesExactly() throws {
        let text = try realText()
        let config = try resumableConfig(text: text, steps: 14)
        let whole = temporaryDirectory("whole"), dir = temporaryDirectory("stop")
        _ = try train(config: config, runDirectory: whole)
        // Asked to stop during step 6 (not a checkpoint step): the run ends at step 6, not later.
        let stepsSeen = Counter()
        let stopped = try train(config: config, runDirectory: dir, options: TrainingOptions(stopRequested: { stepsSeen.value >= 6 })) {
            if case .step = $0 { stepsSeen.increment() }
        }
        #expect(stopped.status == .interrupted && stopped.steps == 6)
        #expect(CheckpointStore(runDirectory: dir).steps().last == 6)
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: dir.appendingPathComponent("summary.json")))
        #expect(summary.status == .interrupted)
        var resumedFrom: Int?
        _ = try train(config: config, runDirectory: dir) { if case let .resumed(step, _) = $0 { resumedFrom = step } }
        #expect(resumedFrom == 6)
        #expect(try metricsWithoutSeconds(dir) == metricsWithoutSeconds(whole))
    }
}

/// A step counter the stop closure can read (the closure is @Sendable).
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
