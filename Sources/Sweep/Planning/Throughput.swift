import Foundation
import Corpora
import Kernels
import Model
import Support
import Training

/// Seconds per training step of a shape on this machine, measured with a few real steps (the
/// same `TrainingStep` training runs): alone with `threads` threads, or as one of `lanes` copies
/// running side by side with one thread each (which is what J runs at once cost). Measurements
/// are kept per host in the cache (`sweep-throughput.json`), so planning a sweep again is instant.
public final class Throughput: @unchecked Sendable {
    public struct Key: Hashable, Codable, Sendable {
        public var shape: String
        public var threads: Int
        public var lanes: Int
    }

    private var table: [String: Double] = [:]
    private let url: URL?
    private let lock = NSLock()
    private var dirty = false

    public init(cache: URL? = CorpusCache().root.appendingPathComponent("sweep-throughput.json")) {
        url = cache
        if let url, let data = FileManager.default.contents(atPath: url.path),
           let saved = try? JSONDecoder().decode([String: Double].self, from: data) {
            table = saved
        }
    }

    /// Host and core count: measurements belong to the machine they were taken on.
    static let machine = "\(ProcessInfo.processInfo.hostName)|\(ProcessInfo.processInfo.activeProcessorCount)"

    static func shapeKey(_ m: ModelConfig, batch: Int, gradAccum: Int) -> String {
        "\(machine)|\(m.dModel)x\(m.nLayer)x\(m.nHead)|T\(m.context)|V\(m.vocabSize)|H\(m.hidden)|\(m.activation.rawValue)|\(m.position.rawValue)|\(m.norm.rawValue)|\(m.tieEmbeddings)|\(m.bias)|B\(batch)x\(gradAccum)"
    }

    static func key(_ config: RunConfig, threads: Int, lanes: Int) -> String {
        "\(shapeKey(config.model, batch: config.training.batchSize, gradAccum: config.training.gradAccum))|t\(threads)|l\(lanes)"
    }

    /// Seconds per optimizer step; measured now when not known.
    public func secondsPerStep(_ config: RunConfig, threads: Int, lanes: Int = 1) -> Double {
        let key = Self.key(config, threads: threads, lanes: lanes)
        lock.lock()
        if let s = table[key] { lock.unlock(); return s }
        lock.unlock()
        measure(config, modes: [(threads, lanes)])
        lock.lock(); defer { lock.unlock() }
        return table[key] ?? .infinity
    }

    /// Measures the modes of one shape in alternation, twice, keeping each mode's best: a shared
    /// machine's load only ever slows a measurement down, and alternating exposes the modes that
    /// are compared to the same moments of that load.
    public func measure(_ config: RunConfig, modes: [(threads: Int, lanes: Int)]) {
        let todo = modes.filter { m in lock.withLock { table[Self.key(config, threads: m.threads, lanes: m.lanes)] == nil } }
        guard !todo.isEmpty else { return }
        var best = [Double](repeating: .infinity, count: todo.count)
        for _ in 0..<2 {
            for (i, m) in todo.enumerated() {
                best[i] = min(best[i], Self.measure(config.model, batch: config.training.batchSize, gradAccum: config.training.gradAccum,
                                                    threads: m.threads, lanes: m.lanes))
            }
        }
        lock.withLock {
            for (i, m) in todo.enumerated() { table[Self.key(config, threads: m.threads, lanes: m.lanes)] = best[i] }
            dirty = true
        }
    }

    public func save() {
        lock.lock(); defer { lock.unlock() }
        guard dirty, let url else { return }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let data = try? JSONOutput.encode(table) { try? AtomicFile.write(data, to: url, durable: false) }
        dirty = false
    }

    /// Seconds per step of one run of shape `m` when `lanes` runs of it train side by side (one
    /// thread each when `lanes` > 1, else `threads`), measured as the sweep engine measures it
    /// when it chooses how many runs to place side by side (`scalelab bench --placement`).
    public static func measureSecondsPerStep(_ m: ModelConfig, batch: Int, threads: Int, lanes: Int, seconds: Double) -> Double {
        measure(m, batch: batch, gradAccum: 1, threads: threads, lanes: lanes, seconds: seconds)
    }

    /// Times a few steps after one warm-up step, at least `seconds` long, on random tokens.
    static func measure(_ m: ModelConfig, batch: Int, gradAccum: Int, threads: Int, lanes: Int,
                        seconds: Double = 0.12) -> Double {
        let results = UnsafeSendableBox([Double](repeating: .nan, count: lanes))
        let group = DispatchGroup()
        for lane in 0..<lanes {
            group.enter()
            let t = Thread {
                let s = timeSteps(m, batch: batch, gradAccum: gradAccum, threads: lanes > 1 ? 1 : threads, seconds: seconds)
                results.lock.lock(); results.value[lane] = s; results.lock.unlock()
                group.leave()
            }
            t.stackSize = 8 << 20
            t.start()
        }
        group.wait()
        let finite = results.value.filter { $0.isFinite }
        return finite.isEmpty ? .infinity : finite.reduce(0, +) / Double(finite.count)
    }

    static func timeSteps(_ m: ModelConfig, batch: Int, gradAccum: Int, threads: Int, seconds: Double) -> Double {
        guard let model = try? TransformerLM(config: m, seed: 1, threads: threads) else { return .infinity }
        let optimizer = AdamW(layout: model.layout, settings: AdamWSettings(), weightDecay: 0.1, decayEmbeddings: false)
        let stepper = TrainingStep(model: model, optimizer: optimizer, gradClip: 1)
        let rows = batch * m.context
        let inputs = UnsafeMutablePointer<Int32>.allocate(capacity: rows), targets = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
        defer { inputs.deallocate(); targets.deallocate() }
        var rng = SeededRandom(seed: 2)
        let v = UInt64(max(m.vocabSize, 1))
        for i in 0..<rows { inputs[i] = Int32(rng.next() % v); targets[i] = Int32(rng.next() % v) }
        func step() { _ = stepper.step(batch: batch, microBatches: gradAccum, lr: 1e-4, inputs: inputs, targets: targets) { _, _, _ in } }
        step()
        let clock = ContinuousClock(), start = clock.now
        var n = 0
        var elapsed = 0.0
        repeat {
            step(); n += 1
            let d = clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        } while n < 2 || elapsed < seconds
        return elapsed / Double(n)
    }
}

/// A value shared between threads behind a lock.
final class UnsafeSendableBox<T>: @unchecked Sendable {
    var value: T
    let lock = NSLock()
    init(_ value: T) { self.value = value }
}
