import Foundation

/// The power scheduler (Shen et al. 2024, arXiv:2408.13359), in tokens n seen after a step,
/// n(s) = (s+1)·tokens_per_step:
///
///     lr_power(n) = min(peak, a·n^b)                                  (b < 0)
///     lr(s) = lr_power(W·tpb)·(s+1)/W                   s < W          (linear warmup)
///           = lr_power(n(s))                            W ≤ s < S − D
///           = lr_power((S−D)·tpb)·shape(x)              S − D ≤ s < S  (the decay phase of WSD)
///
/// with tpb = tokens per step and D = max(1, round(decay_fraction·S)). Like WSD, everything before
/// the decay is independent of the run length S.
public struct PowerSchedule: LearningRateSchedule {
    public let peak: Double, a: Double, b: Double, warmupSteps: Int, tokensPerStep: Int, decay: DecayPhase

    public init(peak: Double, a: Double, b: Double, warmupSteps: Int, totalSteps: Int, tokensPerStep: Int,
                decayFraction: Double, shape: DecayShape, finalRatio: Double) {
        self.peak = peak; self.a = a; self.b = b; self.warmupSteps = warmupSteps; self.tokensPerStep = tokensPerStep
        decay = DecayPhase(fraction: decayFraction, shape: shape, finalRatio: finalRatio, totalSteps: totalSteps)
    }

    /// min(peak, a·n^b).
    public func powerRate(tokens n: Int) -> Double { min(peak, a * pow(Double(max(n, 1)), b)) }

    public func learningRate(step: Int) -> Double {
        if let f = decay.factor(step: step) { return powerRate(tokens: decay.start * tokensPerStep) * f }
        if let w = warmup(step, warmupSteps) { return powerRate(tokens: warmupSteps * tokensPerStep) * w }
        return powerRate(tokens: (step + 1) * tokensPerStep)
    }
}

/// Inverse square root (Vaswani et al. 2017, as in T5 and fairseq): linear warmup over W steps,
/// then decay ∝ 1/√step, continuous at the end of warmup:
///
///     lr(s) = peak·(s+1)/W            s < W
///           = peak·√(W/(s+1))         s ≥ W        (W taken as 1 when there is no warmup)
public struct InverseSqrtSchedule: LearningRateSchedule {
    public let peak: Double, warmupSteps: Int
    public init(peak: Double, warmupSteps: Int) { self.peak = peak; self.warmupSteps = warmupSteps }

    public func learningRate(step: Int) -> Double {
        if let w = warmup(step, warmupSteps) { return w * peak }
        return peak * (Double(max(warmupSteps, 1)) / Double(step + 1)).squareRoot()
    }
}
