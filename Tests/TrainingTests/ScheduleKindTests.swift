import Foundation
import Support
import Testing
import Training

@Suite struct ScheduleKindTests {
    let close = { (a: Double, b: Double) in abs(a - b) < 1e-12 }

    @Test func wsdPhaseBoundaries() {
        // 100 steps, warmup 10, decay 20% = 20 steps starting at step 80.
        let s = WSDSchedule(peak: 1, warmupSteps: 10, totalSteps: 100, decayFraction: 0.2, shape: .linear, finalRatio: 0.1)
        #expect(close(s.learningRate(step: 0), 0.1))
        #expect(close(s.learningRate(step: 9), 1))
        #expect(s.learningRate(step: 10) == 1 && s.learningRate(step: 79) == 1)   // stable
        #expect(close(s.learningRate(step: 80), 0.1 + 0.9 * (1 - 1.0 / 20)))      // first decay step
        #expect(close(s.learningRate(step: 89), 0.1 + 0.9 * 0.5))                 // halfway
        #expect(close(s.learningRate(step: 99), 0.1))                             // last step: final ratio
    }

    @Test(arguments: DecayShape.allCases) func everyDecayShapeRunsFromPeakToFinal(shape: DecayShape) {
        let s = WSDSchedule(peak: 2, warmupSteps: 0, totalSteps: 50, decayFraction: 0.4, shape: shape, finalRatio: 0.05)
        #expect(s.learningRate(step: 29) == 2)
        #expect(abs(s.learningRate(step: 49) - 0.1) < 1e-12)
        for step in 30..<49 { #expect(s.learningRate(step: step) > s.learningRate(step: step + 1), "\(shape) decreasing") }
        let mid = s.learningRate(step: 39) / 2   // x = 0.5
        let expected: Double = switch shape {
        case .linear: 0.05 + 0.95 * 0.5
        case .cosine: 0.05 + 0.95 * 0.5
        case .oneMinusSqrt: 0.05 + 0.95 * (1 - 0.5.squareRoot())
        case .exponential: pow(0.05, 0.5)
        }
        #expect(abs(mid - expected) < 1e-12, "\(shape) at x = 0.5")
    }

    @Test func wsdStablePhaseDoesNotDependOnLength() {
        let short = WSDSchedule(peak: 1, warmupSteps: 5, totalSteps: 40, decayFraction: 0.25, shape: .oneMinusSqrt, finalRatio: 0)
        let long = WSDSchedule(peak: 1, warmupSteps: 5, totalSteps: 400, decayFraction: 0.25, shape: .oneMinusSqrt, finalRatio: 0)
        for step in 0..<30 { #expect(short.learningRate(step: step) == long.learningRate(step: step)) }
        #expect(short.learningRate(step: 30) < long.learningRate(step: 30))
    }

    @Test func powerSchedulerFollowsTheTokenPowerLawUnderItsCap() {
        // tokens per step 1000; a·n^b with a = 1, b = −0.5: 1/√n.
        let s = PowerSchedule(peak: 0.01, a: 1, b: -0.5, warmupSteps: 10, totalSteps: 1000, tokensPerStep: 1000,
                              decayFraction: 0.1, shape: .linear, finalRatio: 0)
        // Warmup ramps to the power-law value at the end of warmup, n = 10 000 → 0.01 (= cap).
        #expect(close(s.learningRate(step: 0), 0.01 / 10))
        #expect(close(s.learningRate(step: 9), 0.01))
        // Under the cap: step 99 has seen 100 000 tokens → 1/√1e5.
        #expect(close(s.learningRate(step: 99), 1 / 100_000.0.squareRoot()))
        #expect(close(s.learningRate(step: 899), 1 / 900_000.0.squareRoot()))
        // Decay from the rate at its start (n = 900 000), linearly to 0 at the last step.
        #expect(close(s.learningRate(step: 949), (1 / 900_000.0.squareRoot()) * 0.5))
        #expect(s.learningRate(step: 999) == 0)
        // The cap binds early: a = 10 would give 0.1 at n = 10 000.
        let capped = PowerSchedule(peak: 0.01, a: 10, b: -0.5, warmupSteps: 0, totalSteps: 1000, tokensPerStep: 1000,
                                   decayFraction: 0.1, shape: .linear, finalRatio: 0)
        #expect(capped.learningRate(step: 9) == 0.01)
    }

    @Test func inverseSqrtIsContinuousAfterWarmup() {
        let s = InverseSqrtSchedule(peak: 1, warmupSteps: 4)
        #expect(close(s.learningRate(step: 3), 1))
        #expect(close(s.learningRate(step: 15), 0.5))      // √(4/16)
        #expect(close(s.learningRate(step: 399), 0.1))     // √(4/400)
    }

    func validationError(_ yaml: String, steps: Int = 100) -> String? {
        do {
            _ = try RunConfig.parse(yaml: """
                name: s
                model: {d_model: 16, n_layer: 1, n_head: 2, context: 16}
                data: {text: x.txt}
                training: {steps: \(steps), schedule: \(yaml)}
                """, source: "s.yaml")
            return nil
        } catch { return "\(error)" }
    }

    @Test func badSchedulesNameTheirKey() {
        #expect(validationError("{kind: wsd, decay_fraction: 0}")?.contains("training.schedule.decay_fraction") == true)
        #expect(validationError("{kind: wsd, decay_fraction: 1.5}")?.contains("training.schedule.decay_fraction") == true)
        #expect(validationError("{kind: wsd, decay_fraction: 1}") == nil)
        #expect(validationError("{kind: wsd, warmup_steps: 100}")?.contains("warmup_steps") == true)
        #expect(validationError("{kind: wsd, warmup_steps: 81, decay_fraction: 0.2}")?.contains("longer than the run") == true)
        #expect(validationError("{kind: wsd, warmup_steps: 80, decay_fraction: 0.2}") == nil)
        #expect(validationError("{kind: wsd, decay_shape: exponential, final_lr_ratio: 0}")?.contains("final_lr_ratio") == true)
        #expect(validationError("{kind: power, power_b: 0.5}")?.contains("power_b") == true)
        #expect(validationError("{kind: wsd, decay_shape: square}")?.contains("decay_shape") == true)
        #expect(validationError("{kind: inverse-sqrt, warmup_steps: 10}") == nil)
    }

    @Test func scheduleTableAndPlotShowTheCurve() throws {
        let c = try RunConfig.parse(yaml: """
            name: s
            model: {d_model: 16, n_layer: 1, n_head: 2, context: 16}
            data: {text: x.txt}
            training: {steps: 50, batch_size: 2, lr: 0.01, schedule: {kind: wsd, warmup_steps: 5, decay_fraction: 0.2, decay_shape: linear, final_lr_ratio: 0}}
            """, source: "s.yaml")
        let table = SchedulePlot.table(c).split(separator: "\n")
        #expect(table.count == 51 && table[0] == "step,tokens,lr")
        #expect(table[1] == "0,0,2.000000e-03" && table[40] == "39,1248,1.000000e-02" && table[41] == "40,1280,9.000000e-03" && table[50] == "49,1568,0.000000e+00")
        let plot = SchedulePlot.ascii(c, width: 50, height: 10)
        #expect(plot.contains("1.00e-02") && plot.contains("•") && plot.contains("wsd"))
        #expect(SchedulePlot.svg(c).contains("<polyline"))
    }
}
