import Foundation
import Support

/// A learning-rate schedule: a pure function of the optimizer step (0-based) for a run of
/// `totalSteps` steps. Each schedule is a small value type, so adding one (WSD, power, …) is one
/// new type and one new case in `ScheduleConfig`.
public protocol LearningRateSchedule: Sendable {
    func learningRate(step: Int) -> Double
}

/// lr(s) = peak, after a linear warmup.
public struct ConstantSchedule: LearningRateSchedule {
    public let peak: Double, warmupSteps: Int
    public init(peak: Double, warmupSteps: Int = 0) { self.peak = peak; self.warmupSteps = warmupSteps }
    public func learningRate(step: Int) -> Double { (warmup(step, warmupSteps) ?? 1) * peak }
}

/// Linear warmup to `peak` over `warmupSteps`, then a half cosine from peak down to
/// final_lr_ratio·peak at the last step (Loshchilov & Hutter 2017; Chinchilla's schedule with ratio 0.1):
///   lr(s) = final + ½(peak − final)(1 + cos(π·(s − warmup)/(total − 1 − warmup)))
public struct CosineSchedule: LearningRateSchedule {
    public let peak: Double, warmupSteps: Int, totalSteps: Int, finalRatio: Double
    public init(peak: Double, warmupSteps: Int, totalSteps: Int, finalRatio: Double) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.finalRatio = finalRatio
    }
    public func learningRate(step: Int) -> Double {
        if let w = warmup(step, warmupSteps) { return w * peak }
        let span = max(1, totalSteps - 1 - warmupSteps)
        let progress = min(1, Double(step - warmupSteps) / Double(span))
        let final = finalRatio * peak
        return final + 0.5 * (peak - final) * (1 + cos(Double.pi * progress))
    }
}

/// The warmup factor (s+1)/warmup while s < warmup, else nil. Step 0 gets a small non-zero rate, so
/// no step is wasted.
@inline(__always) func warmup(_ step: Int, _ warmupSteps: Int) -> Double? {
    step < warmupSteps ? Double(step + 1) / Double(warmupSteps) : nil
}
