import Support

/// Non-parametric bootstrap over runs (Efron & Tibshirani 1993): each resample draws as many
/// runs as there are, with replacement, and every point of a drawn run gets weight equal to the
/// number of times its run was drawn (points of one run — e.g. a training curve — stay
/// together). Intervals are 2.5/97.5 percentiles with linear interpolation (numpy's default).
public enum Bootstrap {
    /// Weights for `resamples` resamples, drawn in order from one seeded generator, so a seed
    /// fixes every resample regardless of how refits are scheduled.
    public static func weights(runOfPoint: [Int], runCount: Int, resamples: Int, seed: UInt64) -> [[Double]] {
        var rng = SeededRandom(seed: seed)
        var out: [[Double]] = []
        out.reserveCapacity(resamples)
        var counts = [Double](repeating: 0, count: runCount)
        for _ in 0..<resamples {
            for k in 0..<runCount { counts[k] = 0 }
            for _ in 0..<runCount { counts[Int(rng.next() % UInt64(runCount))] += 1 }
            out.append(runOfPoint.map { counts[$0] })
        }
        return out
    }

    /// Refits every resample on all cores; `refit` returns named parameter values or nil.
    public static func run(runOfPoint: [Int], runCount: Int, resamples: Int, seed: UInt64,
                           refit: @escaping @Sendable ([Double]) -> [String: Double]?) -> (ci95: [String: [Double]], summary: BootstrapSummary, samples: ParameterSamples) {
        let w = weights(runOfPoint: runOfPoint, runCount: runCount, resamples: resamples, seed: seed)
        let slots = ResultSlots(count: resamples)
        MultiStart.forEachIndex(resamples) { k in slots.set(k, refit(w[k])) }
        let results = slots.values
        let ok = results.compactMap { $0 }
        var ci: [String: [Double]] = [:], sd: [String: Double] = [:]
        if let names = ok.first?.keys {
            for name in names {
                let v = ok.compactMap { $0[name] }.filter(\.isFinite).sorted()
                guard !v.isEmpty else { continue }
                ci[name] = [percentile(v, 0.025), percentile(v, 0.975)]
                let mean = v.reduce(0, +) / Double(v.count)
                sd[name] = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(v.count - 1, 1))).squareRoot()
            }
        }
        return (ci, BootstrapSummary(resamples: resamples, failed: resamples - ok.count, seed: seed, sd: sd), ParameterSamples(ok))
    }

    /// Percentile of sorted values with linear interpolation between order statistics.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (pos - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// One slot per resample, each written by exactly one worker (raw memory: no shared
    /// array header is touched concurrently).
    final class ResultSlots: @unchecked Sendable {
        private let base: UnsafeMutablePointer<[String: Double]?>
        private let count: Int
        init(count: Int) { self.count = count; base = .allocate(capacity: max(count, 1)); base.initialize(repeating: nil, count: max(count, 1)) }
        deinit { base.deinitialize(count: max(count, 1)); base.deallocate() }
        func set(_ k: Int, _ v: [String: Double]?) { base[k] = v }
        var values: [[String: Double]?] { Array(UnsafeBufferPointer(start: base, count: count)) }
    }
}
