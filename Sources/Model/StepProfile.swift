#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Wall time spent in each kernel of training steps, for `scalelab bench --profile`.
///
/// A model or step holding a profile times each call with the monotonic clock (about 20 ns a
/// reading); one holding none pays a nil check per call. Times are wall time on the calling
/// thread, so a parallel kernel's share includes waiting for its slowest thread, which is what a
/// step actually costs.
public final class StepProfile: @unchecked Sendable {
    public enum Kernel: String, CaseIterable, Sendable {
        case embedding
        case norm = "layer norm"
        case attentionMatmul = "matmul q/k/v, out"
        case rope
        case attention = "attention core"
        case mlpMatmul = "matmul MLP"
        case activation
        case headMatmul = "matmul output head"
        case crossEntropy = "cross-entropy"
        case zeroGradients = "zero gradients"
        case gradientNorm = "gradient norm, clip"
        case optimizer = "AdamW update"
    }
    public enum Pass: Int, CaseIterable, Sendable { case forward, backward, update }

    private var seconds = [Double](repeating: 0, count: Kernel.allCases.count * Pass.allCases.count)
    private var index: [Kernel: Int] = Dictionary(uniqueKeysWithValues: Kernel.allCases.enumerated().map { ($1, $0) })
    /// Steps recorded (set by the caller that drives them).
    public var steps = 0

    public init() {}

    public func add(_ kernel: Kernel, _ pass: Pass, _ s: Double) {
        seconds[index[kernel]! * Pass.allCases.count + pass.rawValue] += s
    }

    public func seconds(_ kernel: Kernel, _ pass: Pass) -> Double {
        seconds[index[kernel]! * Pass.allCases.count + pass.rawValue]
    }

    public var totalSeconds: Double { seconds.reduce(0, +) }

    public func reset() { seconds = seconds.map { _ in 0 }; steps = 0 }

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

extension Optional where Wrapped == StepProfile {
    /// Runs `body`, adding its wall time to `kernel` in `pass` when profiling.
    @inline(__always)
    public func time(_ kernel: StepProfile.Kernel, _ pass: StepProfile.Pass, _ body: () -> Void) {
        guard let profile = self else { body(); return }
        let start = StepProfile.now()
        body()
        profile.add(kernel, pass, StepProfile.now() - start)
    }
}
