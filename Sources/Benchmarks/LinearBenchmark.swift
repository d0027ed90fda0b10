import Kernels
import Model
import Support

/// Times each linear layer of a preset (attention in and out, MLP in and out, the output head),
/// forward and backward, on OpenBLAS and on the small-shape kernels in every vector width this CPU
/// runs, in one run, so the ratios compare like with like (`scalelab bench --linear`). What it
/// measures decides `LinearGEMM.choice`.
public enum LinearBenchmark {
    public struct Row: Codable, Sendable {
        public let preset: String
        /// "qkv", "attn-proj", "fc", "fc-proj" or "head".
        public let layer: String
        public let inFeatures: Int
        public let outFeatures: Int
        /// "openblas", or the small kernel's variant name.
        public let path: String
        public let msPerCall: Double
        /// OpenBLAS's time divided by this path's (1 for the OpenBLAS row itself).
        public let speedup: Double
        /// Whether `LinearGEMM.choice` picks this path for this layer.
        public let chosen: Bool
        enum CodingKeys: String, CodingKey {
            case preset, layer, path, speedup, chosen
            case inFeatures = "in_features", outFeatures = "out_features", msPerCall = "ms_per_call"
        }
    }

    public static func measure(_ presets: [Benchmark.Preset], threads: Int, seconds: Double) -> [Row] {
        var rows: [Row] = []
        let parallel = Parallel(threads: threads)
        for p in presets {
            let m = p.model, r = p.batch * m.context, c = m.dModel
            let hidden = m.hidden, fcRows = m.activation == .swiglu ? 2 * hidden : hidden
            let layers = [("qkv", c, 3 * c), ("attn-proj", c, c), ("fc", c, fcRows), ("fc-proj", hidden, c), ("head", c, m.vocabSize)]
            for (layer, k, n) in layers {
                var rng = SeededRandom(seed: 5)
                func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
                    let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
                    for i in 0..<count { b[i] = rng.nextFloat() - 0.5 }
                    return b
                }
                let x = buffer(r * k), w = buffer(n * k), bias = buffer(n), out = buffer(r * n), dout = buffer(r * n)
                let dx = buffer(r * k), dw = buffer(n * k), db = buffer(n)
                defer { for b in [x, w, bias, out, dout, dx, dw, db] { b.deallocate() } }
                var paths: [(String, LinearGEMM)] = [("openblas", .openBLAS)]
                for bits in [512, 256, 128] where SIMDVariant.supports(bits) { paths.append((SIMDVariant.name(bits), .small(bits: bits))) }
                func call(_ gemm: LinearGEMM) {
                    matmulForward(out, x, w, bias, rows: r, inFeatures: k, outFeatures: n, parallel: parallel, gemm: gemm)
                    matmulBackward(dinp: dx, dweight: dw, dbias: db, dout: dout, inp: x, weight: w,
                                   rows: r, inFeatures: k, outFeatures: n, parallel: parallel, gemm: gemm)
                }
                let best = Benchmark.alternating(paths.count, seconds: seconds / Double(layers.count)) { call(paths[$0].1) }
                let chosen = LinearGEMM.choice(inFeatures: k, outFeatures: n)
                for (i, (name, gemm)) in paths.enumerated() {
                    rows.append(Row(preset: p.name, layer: layer, inFeatures: k, outFeatures: n, path: name,
                                    msPerCall: best[i] * 1000, speedup: best[0] / best[i], chosen: gemm == chosen))
                }
            }
        }
        return rows
    }
}
