import Kernels
import Model
import Support

/// Times the attention core (forward and backward of one layer) of each preset's shape on the
/// sgemm path and on the small-head path in every vector width this CPU runs, in one run, so the
/// ratios compare like with like (`scalelab bench --attention`).
public enum AttentionBenchmark {
    public struct Row: Codable, Sendable {
        public let preset: String
        public let headSize: Int
        /// "sgemm", or the small-head variant's name.
        public let path: String
        public let msPerCall: Double
        /// The sgemm path's time divided by this path's (1 for the sgemm row itself).
        public let speedup: Double
        /// Whether `AttentionPath.choice` picks this path for this head size.
        public let chosen: Bool
        enum CodingKeys: String, CodingKey { case preset, path, speedup, chosen, headSize = "head_size", msPerCall = "ms_per_layer" }
    }

    public static func measure(_ presets: [Benchmark.Preset], threads: Int, seconds: Double) -> [Row] {
        var rows: [Row] = []
        for p in presets {
            let m = p.model, b = p.batch, t = m.context, c = m.dModel, nh = m.nHead, hs = c / nh
            var rng = SeededRandom(seed: 4)
            let qkv = UnsafeMutablePointer<Float>.allocate(capacity: b * t * 3 * c)
            let out = UnsafeMutablePointer<Float>.allocate(capacity: b * t * c), dout = UnsafeMutablePointer<Float>.allocate(capacity: b * t * c)
            let lse = UnsafeMutablePointer<Float>.allocate(capacity: b * nh * t), dqkv = UnsafeMutablePointer<Float>.allocate(capacity: b * t * 3 * c)
            defer { qkv.deallocate(); out.deallocate(); dout.deallocate(); lse.deallocate(); dqkv.deallocate() }
            for i in 0..<(b * t * 3 * c) { qkv[i] = rng.nextFloat() - 0.5 }
            for i in 0..<(b * t * c) { dout[i] = rng.nextFloat() - 0.5 }
            let parallel = Parallel(threads: threads)
            let chosen = AttentionPath.choice(headSize: hs)
            var paths: [(String, AttentionWorkspace)] = [("sgemm", AttentionWorkspace(threads: threads, context: t, headSize: hs, path: .sgemm))]
            if AttentionPath.smallKernelsHandle(headSize: hs) {
                for bits in [512, 256, 128] where SIMDVariant.supports(bits) {
                    paths.append((SIMDVariant.name(bits), AttentionWorkspace(threads: threads, context: t, headSize: hs, path: .small(bits: bits))))
                }
            }
            defer { for (_, ws) in paths { ws.deallocate() } }
            func call(_ ws: AttentionWorkspace) {
                attentionForward(out, lse: lse, qkv, workspace: ws, batch: b, tokens: t, channels: c, heads: nh, parallel: parallel)
                attentionBackward(dqkv: dqkv, dout: dout, qkv: qkv, out: out, lse: lse, workspace: ws,
                                  batch: b, tokens: t, channels: c, heads: nh, parallel: parallel)
            }
            let best = Benchmark.alternating(paths.count, seconds: seconds) { call(paths[$0].1) }
            for (i, (name, ws)) in paths.enumerated() {
                rows.append(Row(preset: p.name, headSize: hs, path: name, msPerCall: best[i] * 1000, speedup: best[0] / best[i],
                                chosen: ws.path == chosen))
            }
        }
        return rows
    }
}

extension Benchmark {
    /// Seconds per call of each of `count` alternatives, timed alternately, best of 3 rounds each
    /// (at least 3 calls a round), `seconds` in all: a shared machine's load slows all alike.
    public static func alternating(_ count: Int, seconds: Double, _ call: (Int) -> Void) -> [Double] {
        var best = [Double](repeating: .infinity, count: count)
        for _ in 0..<3 {
            for i in 0..<count {
                call(i)
                var calls = 0
                let start = now()
                while calls < 3 || now() - start < seconds / Double(3 * count) { call(i); calls += 1 }
                best[i] = min(best[i], (now() - start) / Double(calls))
            }
        }
        return best
    }
}
