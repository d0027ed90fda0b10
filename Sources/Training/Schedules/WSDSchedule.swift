import Foundation

/// How a learning rate falls from its value at the start of a decay phase to `final` times that
/// value, as a function of the decay progress x ∈ (0, 1] (x = 1 on the last step). With r = final:
///
///     linear        r + (1 − r)(1 − x)
///     cosine        r + (1 − r)·½(1 + cos πx)
///     1-sqrt        r + (1 − r)(1 − √x)          (Hägele et al. 2024: beats linear)
///     exponential   r^x                          (MiniCPM's exponential decay; needs r > 0)
public enum DecayShape: String, Codable, Sendable, CaseIterable {
    case linear, cosine
    case oneMinusSqrt = "1-sqrt"
    case exponential

    public func factor(progress x: Double, final r: Double) -> Double {
        switch self {
        case .linear: return r + (1 - r) * (1 - x)
        case .cosine: return r + (1 - r) * 0.5 * (1 + cos(Double.pi * x))
        case .oneMinusSqrt: return r + (1 - r) * (1 - x.squareRoot())
        case .exponential: return pow(r, x)
        }
    }
}

/// The decay phase shared by WSD and the power scheduler: the last `decaySteps(total)` steps of a
/// run, `decaySteps = max(1, round(decay_fraction · total))`. Step s of the decay has progress
/// x = (s − start + 1)/decaySteps, so the run's last step lands exactly on the final ratio.
public struct DecayPhase: Sendable, Equatable {
    public let fraction: Double, shape: DecayShape, finalRatio: Double, totalSteps: Int

    public static func steps(fraction: Double, totalSteps: Int) -> Int {
        max(1, Int((fraction * Double(totalSteps)).rounded()))
    }

    public var steps: Int { Self.steps(fraction: fraction, totalSteps: totalSteps) }
    /// First step of the decay (0-based).
    public var start: Int { totalSteps - steps }

    /// The multiplier at `step`, or nil before the decay.
    public func factor(step: Int) -> Double? {
        guard step >= start else { return nil }
        let x = min(1, Double(step - start + 1) / Double(steps))
        return shape.factor(progress: x, final: finalRatio)
    }
}

/// Warmup–stable–decay (MiniCPM, Hu et al. 2024 §4; Hägele et al. 2024):
///
///     lr(s) = peak·(s+1)/W                          s < W            (linear warmup)
///           = peak                                  W ≤ s < S − D    (stable)
///           = peak·shape(x), x = (s − (S−D) + 1)/D  S − D ≤ s < S    (decay to final_lr_ratio·peak)
///
/// with D = max(1, round(decay_fraction·S)). The stable phase does not depend on S, which is what
/// lets one long run branch into cooldowns of several lengths (`runWSDSweep`).
public struct WSDSchedule: LearningRateSchedule {
    public let peak: Double, warmupSteps: Int, decay: DecayPhase

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, decayFraction: Double, shape: DecayShape, finalRatio: Double) {
        self.peak = peak; self.warmupSteps = warmupSteps
        decay = DecayPhase(fraction: decayFraction, shape: shape, finalRatio: finalRatio, totalSteps: totalSteps)
    }

    public func learningRate(step: Int) -> Double {
        if let f = decay.factor(step: step) { return peak * f }
        return (warmup(step, warmupSteps) ?? 1) * peak
    }
}
