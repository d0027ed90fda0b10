import Dispatch

/// Runs L-BFGS from every start of a grid on all cores and keeps the best result.
///
/// Determinism: each start's minimisation is independent and deterministic, its result is
/// written to the slot of its index, and the reduction afterwards scans slots in index order
/// (lowest finite objective, ties to the lower index). The outcome therefore does not depend on
/// how `concurrentPerform` schedules the workers.
public enum MultiStart {
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
    }

    /// `starts` holds `count` start points of `objective.dimension` values each, row-major.
    public static func minimize<O: DifferentiableObjective>(
        _ objective: O, starts: [Double], options: LBFGSOptions = .tight, workers: Int = MultiStart.defaultWorkers
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
        return Outcome(best: best, bestStartIndex: bestIndex, finiteStarts: finite, totalStarts: count,
                       totalEvaluations: evaluations.reduce(0, +), stopCounts: stopCounts)
    }

    /// The best of several starts on the calling thread (for refits that already run in
    /// parallel, e.g. bootstrap resamples). Ties go to the earlier start.
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
