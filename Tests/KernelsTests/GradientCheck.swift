import Kernels
import Support
import Testing

/// Random values in [-scale, scale) from a seeded generator.
func randomArray(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<n).map { _ in (rng.nextFloat() * 2 - 1) * scale }
}

/// Σ a·b in Double: the scalar "loss" whose gradient with respect to the kernel's output is `b`.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Compares an analytic gradient with central finite differences of `loss` at each of up to
/// `samples` coordinates of `x` (all when x is small). The relative error is taken against the
/// gradient's largest entry, so tiny entries do not fail on float32 round-off.
func expectGradient(_ name: String, _ x: [Float], analytic: [Float], h: Float = 1e-2, tolerance: Double = 2e-3,
                    samples: Int = 64, loss: ([Float]) -> Double,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(x.count == analytic.count, "\(name): gradient size", sourceLocation: sourceLocation)
    let scaleRef = max(analytic.map { abs(Double($0)) }.max() ?? 0, 1e-3)
    let stride = max(1, x.count / samples)
    var worst = 0.0, worstIndex = 0
    var xp = x
    for i in Swift.stride(from: 0, to: x.count, by: stride) {
        let orig = xp[i]
        xp[i] = orig + h; let up = loss(xp)
        xp[i] = orig - h; let down = loss(xp)
        xp[i] = orig
        let numeric = (up - down) / (2 * Double(h))
        let err = abs(numeric - Double(analytic[i])) / scaleRef
        if err > worst { worst = err; worstIndex = i }
    }
    #expect(worst < tolerance,
            "\(name): max relative gradient error \(worst) at index \(worstIndex) (analytic \(analytic[worstIndex]))",
            sourceLocation: sourceLocation)
}

extension Array where Element == Float {
    /// Runs `body` with a mutable pointer to a copy-free view of the array's storage.
    mutating func ptr<R>(_ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}

let twoThreads = Parallel(threads: 2)
