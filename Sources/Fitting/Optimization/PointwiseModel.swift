/// A model whose prediction at each data point is a smooth function of the parameters θ,
/// compared with a target value (log loss, or raw loss for Tao et al.'s vocab law).
public protocol PointwiseModel: Sendable {
    var parameterCount: Int { get }
    var pointCount: Int { get }
    /// Prediction at point i; writes ∂prediction/∂θ (`parameterCount` values) into `gradient`.
    func output(_ i: Int, _ theta: UnsafePointer<Double>, _ gradient: UnsafeMutablePointer<Double>) -> Double
    func target(_ i: Int) -> Double
}

/// f(θ) = Σ_i w_i · Huber_δ(output_i(θ) − target_i), the robust objective of Hoffmann et al.
/// (2022) used for every law fitted with L-BFGS. Summed, not averaged (Besiroglu et al. 2024).
public final class HuberObjective<M: PointwiseModel>: DifferentiableObjective, @unchecked Sendable {
    public let model: M
    public let delta: Double
    public let weights: PointBuffer
    public var dimension: Int { model.parameterCount }

    public init(model: M, delta: Double, weights: PointBuffer? = nil) {
        self.model = model; self.delta = delta
        self.weights = weights ?? PointBuffer(repeating: 1, count: model.pointCount)
    }

    public func value(at x: UnsafePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> Double {
        let p = model.parameterCount, n = model.pointCount, w = weights.base, delta = self.delta
        for j in 0..<p { g[j] = 0 }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: p) { scratch in
            let dy = scratch.baseAddress!
            var f = 0.0
            for i in 0..<n where w[i] != 0 {
                let r = model.output(i, x, dy) - model.target(i)
                f += w[i] * huber(r, delta: delta)
                let psi = w[i] * huberDerivative(r, delta: delta)
                for j in 0..<p { g[j] += psi * dy[j] }
            }
            return f
        }
    }
}
