import Foundation
import Support

/// The `training.schedule` mapping of a config:
///
///     schedule: {kind: cosine, warmup_steps: 30, final_lr_ratio: 0.1}
///     schedule: {kind: wsd, warmup_steps: 30, decay_fraction: 0.2, decay_shape: 1-sqrt, final_lr_ratio: 0}
///     schedule: {kind: power, warmup_steps: 30, power_a: 4.6, power_b: -0.51, decay_fraction: 0.1, decay_shape: exponential, final_lr_ratio: 0.01}
///     schedule: {kind: inverse-sqrt, warmup_steps: 30}
///     schedule: {kind: constant, warmup_steps: 30}
///
/// Keys a kind does not use are accepted and written to the resolved config, but have no effect.
public struct ScheduleConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case constant, cosine, wsd, power
        case inverseSqrt = "inverse-sqrt"
    }
    public var kind: Kind = .cosine
    public var warmupSteps: Int = 0
    /// Final learning rate as a fraction of the peak (cosine) or of the rate where the decay starts
    /// (wsd, power).
    public var finalLRRatio: Double = 0.1
    /// wsd, power: the fraction of the run's steps spent decaying, in (0, 1].
    public var decayFraction: Double = 0.2
    /// wsd, power: the shape of the decay.
    public var decayShape: DecayShape = .oneMinusSqrt
    /// power: lr = min(peak, a·n^b) with n in tokens.
    public var powerA: Double = 4.6
    public var powerB: Double = -0.51

    public init(kind: Kind = .cosine, warmupSteps: Int = 0, finalLRRatio: Double = 0.1, decayFraction: Double = 0.2,
                decayShape: DecayShape = .oneMinusSqrt, powerA: Double = 4.6, powerB: Double = -0.51) {
        self.kind = kind; self.warmupSteps = warmupSteps; self.finalLRRatio = finalLRRatio
        self.decayFraction = decayFraction; self.decayShape = decayShape; self.powerA = powerA; self.powerB = powerB
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, warmupSteps = "warmup_steps", finalLRRatio = "final_lr_ratio"
        case decayFraction = "decay_fraction", decayShape = "decay_shape", powerA = "power_a", powerB = "power_b"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? kind
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? warmupSteps
        finalLRRatio = try c.decodeIfPresent(Double.self, forKey: .finalLRRatio) ?? finalLRRatio
        decayFraction = try c.decodeIfPresent(Double.self, forKey: .decayFraction) ?? decayFraction
        decayShape = try c.decodeIfPresent(DecayShape.self, forKey: .decayShape) ?? decayShape
        powerA = try c.decodeIfPresent(Double.self, forKey: .powerA) ?? powerA
        powerB = try c.decodeIfPresent(Double.self, forKey: .powerB) ?? powerB
    }

    /// Whether the schedule ends in a decay phase of `decay_fraction` of the run.
    public var hasDecayPhase: Bool { kind == .wsd || kind == .power }

    public func validate(totalSteps: Int) throws {
        let key = "training.schedule"
        guard warmupSteps >= 0 else { throw ScaleLabError.invalidValue(key: "\(key).warmup_steps", reason: "must be ≥ 0") }
        guard warmupSteps < totalSteps else {
            throw ScaleLabError.invalidValue(key: "\(key).warmup_steps", reason: "\(warmupSteps) is not shorter than the run (\(totalSteps) steps)")
        }
        guard (0...1).contains(finalLRRatio) else {
            throw ScaleLabError.invalidValue(key: "\(key).final_lr_ratio", reason: "must lie in [0, 1], got \(finalLRRatio)")
        }
        guard hasDecayPhase else { return }
        guard decayFraction > 0 && decayFraction <= 1 else {
            throw ScaleLabError.invalidValue(key: "\(key).decay_fraction", reason: "must lie in (0, 1], got \(decayFraction)")
        }
        let decaySteps = DecayPhase.steps(fraction: decayFraction, totalSteps: totalSteps)
        guard warmupSteps + decaySteps <= totalSteps else {
            throw ScaleLabError.invalidValue(key: "\(key).warmup_steps", reason: "warmup (\(warmupSteps) steps) and decay (\(decaySteps) steps = decay_fraction \(decayFraction) × \(totalSteps)) are longer than the run (\(totalSteps) steps)")
        }
        if decayShape == .exponential && finalLRRatio <= 0 {
            throw ScaleLabError.invalidValue(key: "\(key).final_lr_ratio", reason: "an exponential decay needs a ratio above 0, got \(finalLRRatio)")
        }
        if kind == .power {
            guard powerA > 0, powerA.isFinite else { throw ScaleLabError.invalidValue(key: "\(key).power_a", reason: "must be positive, got \(powerA)") }
            guard powerB <= 0 else { throw ScaleLabError.invalidValue(key: "\(key).power_b", reason: "must be ≤ 0 (a decreasing power law), got \(powerB)") }
        }
    }

    public func make(peak: Double, totalSteps: Int, tokensPerStep: Int) -> any LearningRateSchedule {
        switch kind {
        case .constant: return ConstantSchedule(peak: peak, warmupSteps: warmupSteps)
        case .cosine: return CosineSchedule(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps,
                                            finalRatio: finalLRRatio)
        case .wsd: return WSDSchedule(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps,
                                      decayFraction: decayFraction, shape: decayShape, finalRatio: finalLRRatio)
        case .power: return PowerSchedule(peak: peak, a: powerA, b: powerB, warmupSteps: warmupSteps, totalSteps: totalSteps,
                                          tokensPerStep: tokensPerStep, decayFraction: decayFraction, shape: decayShape,
                                          finalRatio: finalLRRatio)
        case .inverseSqrt: return InverseSqrtSchedule(peak: peak, warmupSteps: warmupSteps)
        }
    }
}

extension RunConfig {
    /// Tokens per optimizer step: batch_size · grad_accum · context.
    public var tokensPerStep: Int { training.batchSize * training.gradAccum * model.context }

    /// The run's learning-rate schedule.
    public func makeSchedule() -> any LearningRateSchedule {
        training.schedule.make(peak: training.lr, totalSteps: training.steps, tokensPerStep: tokensPerStep)
    }
}
