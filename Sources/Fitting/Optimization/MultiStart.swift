import Dispatch

/// Runs L-BFGS from every start of a grid on all cores and keeps the best result.
///
/// Determinism: each start's minimisation is independent and deterministic, its result is
/// written to the slot of its index, and the reduction afterwards scans slots in index order
/// (lowest finite objective, ties to the lower index). The outcome therefore does not depend on
/// how `concurrentPerform` schedules the workers.
public enum MultiStart {
    /// Two-phase multi-start: every start runs to a loose relative-progress tolerance, then only
    /// the endpoints within `refineWithin` (relative) of the best are refined to the tight
    /// tolerances. Thousands of grid starts fall into the same few basins; polishing each of them
    /// to 1e-14 is the repeated work this skips (no start is dropped: each one runs until its
    /// basin is known).
    public struct Screening: Sendable, Equatable {
        public var tolerance: Double = 1e-6
        public var refineWithin: Double = 0.1
        public init() {}
        public static let standard = Screening()
    }

    public struct Outcome: Sendable {
        public var best: MinimizationResult
        public var bestStartIndex: Int
        /// How many starts ended with a finite objective.
        public var finiteStarts: Int
        public var totalStarts: Int
        /// Objective evaluations over all starts (for benchmarks).
        public var totalEvaluations: Int
        /// How many starts stopped for each reason.
        public var stopCounts: [StopReason: Int]
        /// Two-phase runs: how many endpoints were refined to the tight tolerances.
        public var refinedStarts: Int? = nil
        /// Every start's endpoint and value (first phase of a screened run).
        var endpoints: [Double]? = nil
        var values: [Double]? = nil
        var withoutEndpoints: Outcome { var o = self; o.endpoints = nil; o.values = nil; return o }
    }

    /// `starts` holds `count` start points of `objective.dimension` values each, row-major.
    public static func minimize<O: DifferentiableObjective>(
        _ objective: O, starts: [Double], options: LBFGSOptions = .tight, workers: Int = MultiStart.defaultWorkers, screening: Screening?
    ) -> Outcome? {
        guard let screening else { return minimize(objective, starts: starts, options: options, workers: workers) }
        var loose = options
        loose.functionTolerance = max(options.functionTolerance, screening.tolerance)
        guard let first = minimize(objective, starts: starts, options: loose, workers: workers, keepEndpoints: true), let ends = first.endpoints else { return nil }
        let n = objective.dimension
        let cut = first.best.value + screening.refineWithin * abs(first.best.value)
        let candidates = (0..<first.totalStarts).filter { first.values![$0] <= cut }
        var refineStarts: [Double] = []
        for k in candidates { refineStarts += ends[(k * n)..<((k + 1) * n)] }
        guard let second = minimize(objective, starts: refineStarts, options: options, workers: workers) else { return first.withoutEndpoints }
        var out = second
        out.bestStartIndex = candidates[second.bestStartIndex]
        out.totalStarts = first.totalStarts
        out.finiteStarts = first.finiteStarts
        out.totalEvaluations = first.totalEvaluations + second.totalEvaluations
        out.refinedStarts = candidates.count
        return out
    }

    public static func minimize<O: DifferentiableObjective>(
        _ objective: O, starts: [Double], options: LBFGSOptions = .tight, workers: Int = MultiStart.defaultWorkers, keepEndpoints: Bool = false
    ) -> Outcome? {
        let n = objective.dimension
        precondition(n > 0 && starts.count % n == 0)
        let count = starts.count / n
        guard count > 0 else { return nil }
        var values = [Double](repeating: .infinity, count: count)
        var xs = [Double](repeating: .nan, count: count * n)
        var iterations = [Int](repeating: 0, count: count)
        var evaluations = [Int](repeating: 0, count: count)
        var stops = [StopReason](repeating: .nonFiniteStart, count: count)
        let chunks = max(1, min(workers, count))
        starts.withUnsafeBufferPointer { startBuf in
            values.withUnsafeMutableBufferPointer { vBuf in
                xs.withUnsafeMutableBufferPointer { xBuf in
                    iterations.withUnsafeMutableBufferPointer { iBuf in
                        evaluations.withUnsafeMutableBufferPointer { eBuf in
                            stops.withUnsafeMutableBufferPointer { sBuf in
                                let shared = Slots(starts: startBuf.baseAddress!, values: vBuf.baseAddress!, xs: xBuf.baseAddress!,
                                                   iterations: iBuf.baseAddress!, evaluations: eBuf.baseAddress!, stops: sBuf.baseAddress!)
                                // Strided assignment balances the grid's slow corners across workers.
                                DispatchQueue.concurrentPerform(iterations: chunks) { worker in
                                    let ws = LBFGSWorkspace(dimension: n, memory: options.memory)
                                    var k = worker
                                    while k < count {
                                        let r = LBFGS.minimize(objective, from: shared.starts + k * n, options: options, workspace: ws)
                                        shared.values[k] = r.value.isFinite ? r.value : .infinity
                                        for j in 0..<n { shared.xs[k * n + j] = r.x[j] }
                                        shared.iterations[k] = r.iterations
                                        shared.evaluations[k] = r.evaluations
                                        shared.stops[k] = r.stop
                                        k += chunks
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var bestIndex = -1
        var finite = 0
        for k in 0..<count where values[k].isFinite {
            finite += 1
            if bestIndex < 0 || values[k] < values[bestIndex] { bestIndex = k }
        }
        guard bestIndex >= 0 else { return nil }
        let best = MinimizationResult(x: Array(xs[(bestIndex * n)..<((bestIndex + 1) * n)]), value: values[bestIndex],
                                      iterations: iterations[bestIndex], evaluations: evaluations[bestIndex], stop: stops[bestIndex])
        var stopCounts: [StopReason: Int] = [:]
        for r in stops { stopCounts[r, default: 0] += 1 }
        var outcome = Outcome(best: best, bestStartIndex: bestIndex, finiteStarts: finite, totalStarts: count,
                              totalEvaluations: evaluations.reduce(0, +), stopCounts: stopCounts)
        if keepEndpoints { outcome.endpoints = xs; outcome.values = values }
        return outcome
    }

    /// The best of several starts on the calling thread (for refits that already run in
    /// parallel, e.g. bootstrap resamples). Ties go to the earlier start.
    public static func serialBest<O: DifferentiableObjective>(
        _ objective: O, starts: [Double], options: LBFGSOptions, workspace: LBFGSWorkspace, screening: Screening?
    ) -> MinimizationResult? {
        guard let screening else { return serialBest(objective, starts: starts, options: options, workspace: workspace) }
        let n = objective.dimension
        var loose = options
        loose.functionTolerance = max(options.functionTolerance, screening.tolerance)
        var ends: [MinimizationResult] = []
        ends.reserveCapacity(starts.count / n)
        starts.withUnsafeBufferPointer { buf in
            for k in 0..<(starts.count / n) {
                ends.append(LBFGS.minimize(objective, from: buf.baseAddress! + k * n, options: loose, workspace: workspace))
            }
        }
        guard let bestLoose = ends.filter({ $0.value.isFinite }).map(\.value).min() else { return nil }
        let cut = bestLoose + screening.refineWithin * abs(bestLoose)
        var refine: [Double] = []
        for r in ends where r.value.isFinite && r.value <= cut { refine += r.x }
        return serialBest(objective, starts: refine, options: options, workspace: workspace)
    }

    public static func serialBest<O: DifferentiableObjective>(
        _ objective: O, starts: [Double], options: LBFGSOptions, workspace: LBFGSWorkspace
    ) -> MinimizationResult? {
        let n = objective.dimension
        var best: MinimizationResult?
        starts.withUnsafeBufferPointer { buf in
            for k in 0..<(starts.count / n) {
                let r = LBFGS.minimize(objective, from: buf.baseAddress! + k * n, options: options, workspace: workspace)
                if r.value.isFinite && (best == nil || r.value < best!.value) { best = r }
            }
        }
        return best
    }

    /// One worker per core; at least 2 so the concurrent path is always exercised.
    public static var defaultWorkers: Int { max(2, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `body(k)` for k in 0..<count on all cores, strided per worker, for callers (bootstrap)
    /// that write their results into per-index slots themselves.
    static func forEachIndex(_ count: Int, workers: Int = MultiStart.defaultWorkers, _ body: @Sendable (Int) -> Void) {
        let chunks = max(1, min(workers, count))
        DispatchQueue.concurrentPerform(iterations: chunks) { worker in
            var k = worker
            while k < count { body(k); k += chunks }
        }
    }

    /// Raw result slots shared by the workers; each index is written by exactly one worker.
    private struct Slots: @unchecked Sendable {
        let starts: UnsafePointer<Double>
        let values: UnsafeMutablePointer<Double>
        let xs: UnsafeMutablePointer<Double>
        let iterations: UnsafeMutablePointer<Int>
        let evaluations: UnsafeMutablePointer<Int>
        let stops: UnsafeMutablePointer<StopReason>
    }
}

import Foundation
