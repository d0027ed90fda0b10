import Foundation

/// Rotary position embedding (Su et al. 2021) in the "rotate half" layout used by GPT-NeoX and
/// Hugging Face's Llama: within each head, channel i pairs with i + HS/2, and the pair at position t
/// turns by t·θ_i, θ_i = base^(−2i/HS). Trained this way, weights export to LlamaForCausalLM as is.
public struct RopeTable: Sendable {
    public let context: Int, headSize: Int
    /// cos and sin of t·θ_i, (T, HS/2) each.
    public let cos: [Float], sin: [Float]

    public init(context: Int, headSize: Int, base: Double = 10_000) {
        precondition(headSize % 2 == 0, "RoPE needs an even head size")
        self.context = context; self.headSize = headSize
        let half = headSize / 2
        var c = [Float](repeating: 0, count: context * half), s = c
        for t in 0..<context {
            for i in 0..<half {
                let angle = Double(t) * Foundation.pow(base, -2 * Double(i) / Double(headSize))
                c[t * half + i] = Float(Foundation.cos(angle)); s[t * half + i] = Float(Foundation.sin(angle))
            }
        }
        cos = c; sin = s
    }
}

/// Rotates the q and k parts of qkv (B, T, 3C) in place: (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin).
public func ropeForward(_ qkv: UnsafeMutablePointer<Float>, table: RopeTable,
                        batch b: Int, tokens t: Int, channels c: Int, heads nh: Int, parallel: Parallel) {
    ropeRotate(qkv, table: table, batch: b, tokens: t, channels: c, heads: nh, inverse: false, parallel: parallel)
}

/// The rotation is orthogonal, so its backward is the inverse rotation applied to dq and dk in place.
public func ropeBackward(_ dqkv: UnsafeMutablePointer<Float>, table: RopeTable,
                         batch b: Int, tokens t: Int, channels c: Int, heads nh: Int, parallel: Parallel) {
    ropeRotate(dqkv, table: table, batch: b, tokens: t, channels: c, heads: nh, inverse: true, parallel: parallel)
}

private func ropeRotate(_ qkv: UnsafeMutablePointer<Float>, table: RopeTable, batch b: Int, tokens t: Int,
                        channels c: Int, heads nh: Int, inverse: Bool, parallel: Parallel) {
    let hs = c / nh, half = hs / 2
    let sign: Float = inverse ? -1 : 1
    table.cos.withUnsafeBufferPointer { cosT in
        table.sin.withUnsafeBufferPointer { sinT in
            parallel.ranges(b * t, grain: 32) { rows in
                for r in rows {
                    let pos = r % t
                    let cs = cosT.baseAddress! + pos * half, sn = sinT.baseAddress! + pos * half
                    for part in 0..<2 {  // q, then k
                        for h in 0..<nh {
                            let x1 = qkv + r * 3 * c + part * c + h * hs, x2 = x1 + half
                            for i in 0..<half {
                                let a = x1[i], bb = x2[i], s = sign * sn[i]
                                x1[i] = a * cs[i] - bb * s
                                x2[i] = bb * cs[i] + a * s
                            }
                        }
                    }
                }
            }
        }
    }
}
