/// A smooth scalar function of `dimension` real parameters with an analytic gradient.
///
/// Implementations must not allocate or mutate shared state in `value(at:gradient:)`: the
/// multi-start driver calls one instance from several threads at once.
public protocol DifferentiableObjective: Sendable {
    var dimension: Int { get }
    /// Returns f(x) and writes ∇f(x) (`dimension` values) into `gradient`.
    func value(at x: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>) -> Double
}

/// Huber's loss with threshold δ: r²/2 for |r| ≤ δ, δ(|r| − δ/2) beyond (the convention of
/// Hoffmann et al. 2022, App. D.2, and of `scipy.special.huber`).
@inline(__always)
public func huber(_ r: Double, delta: Double) -> Double {
    let a = abs(r)
    return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta)
}

/// dHuber/dr: r clipped to [−δ, δ].
@inline(__always)
public func huberDerivative(_ r: Double, delta: Double) -> Double {
    r > delta ? delta : (r < -delta ? -delta : r)
}
