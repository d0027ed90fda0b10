import Foundation
import Support
import Training

/// Runs a sweep on this machine: `jobs` runs at once on `threads` threads each (chosen from
/// measurement unless given), trunks before their branches, the learning-rate search before the
/// runs that use its choices. Everything is in files, so killing the process at any moment and
/// running the same command again continues where it stopped.
public enum LocalExecutor {
    public struct Options: Sendable {
        public var jobs: Int?
        public var threads: Int?
        public var retryFailed = false
        public init(jobs: Int? = nil, threads: Int? = nil, retryFailed: Bool = false) {
            self.jobs = jobs; self.threads = threads; self.retryFailed = retryFailed
        }
    }

    public struct Outcome: Sendable {
        public var counts: [SweepDirectory.RunStatus: Int]
        public var schedule: Schedule
        /// Seconds spent outside training: planning, measuring, writing the plan and the tables.
        public var engineSeconds: Double
        public var wallSeconds: Double
    }

    public static func run(_ sweep: SweepConfig, directory: SweepDirectory, options: Options = Options(),
                           progress: SweepProgress = SweepProgress(), throughput: Throughput = Throughput()) throws -> Outcome {
        let clock = ContinuousClock(), start = clock.now
        var trainingSeconds = 0.0
        let lock = try directory.lock()
        defer { withExtendedLifetime(lock) {} }
        var choices: [String: Double] = [:]
        var schedule: Schedule?
        var previous: Set<String> = []
        while true {
            var plan = try Planner.plan(sweep, lrChoices: choices)
            let newChoices = LRTuning.choices(plan.runs, directory: directory)
            if newChoices != choices { choices = newChoices; plan = try Planner.plan(sweep, lrChoices: choices); continue }
            try directory.write(plan)
            let (todo, adopted) = directory.runsToTrain(plan.runs, retryFailed: options.retryFailed)
            if !adopted.isEmpty {
                let from = Set(adopted.values).sorted().joined(separator: ", ")
                let trunks = plan.runs.filter { $0.role == .trunk && adopted[$0.id] != nil }.count
                progress.write("[sweep] \(plan.name): \(adopted.count - trunks) run(s) and \(trunks) trunk(s) copied from sweep \(from) (same run ids)\n")
            }
            let ids = Set(todo.map(\.id))
            if todo.isEmpty || ids == previous { break }
            previous = ids
            if schedule == nil {
                let cores = ProcessInfo.processInfo.activeProcessorCount
                if let j = options.jobs, let t = options.threads { schedule = Schedule(jobs: j, threads: t, seconds: 0) }
                else if let j = options.jobs { schedule = Schedule(jobs: j, threads: max(1, cores / j), seconds: 0) }
                else if let t = options.threads { schedule = Schedule(jobs: max(1, cores / t), threads: t, seconds: 0) }
                else { schedule = Estimator.chooseSchedule(todo, throughput: throughput) }
                throughput.save()
                progress.write("[sweep] \(plan.name): \(plan.rows.count) runs (\(todo.count) to train), \(schedule!)\n")
            }
            let t0 = clock.now
            execute(todo, plan: plan, directory: directory, schedule: schedule!, options: options, progress: progress, throughput: throughput)
            let d = clock.now - t0
            trainingSeconds += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        progress.end()
        let final = try directory.readPlan()
        try ResultsTable.write(plan: final, directory: directory)
        try ResultsTable.writeCurves(plan: final, directory: directory)
        try LRTuning.write(final.runs, choices: choices, directory: directory)
        var counts: [SweepDirectory.RunStatus: Int] = [:]
        for r in final.runs where r.role == .run { counts[directory.status(of: r), default: 0] += 1 }
        let total = clock.now - start
        let wall = Double(total.components.seconds) + Double(total.components.attoseconds) * 1e-18
        return Outcome(counts: counts, schedule: schedule ?? Schedule(jobs: 1, threads: 1, seconds: 0),
                       engineSeconds: wall - trainingSeconds, wallSeconds: wall)
    }

    /// Runs `runs` on `schedule.jobs` worker threads: each takes the longest ready run (a branch is
    /// ready when its trunk is done; a trunk or a search run first).
    static func execute(_ runs: [PlannedRun], plan: SweepPlan, directory: SweepDirectory, schedule: Schedule, options: Options,
                        progress: SweepProgress, throughput: Throughput) {
        let lanes = min(schedule.jobs, runs.count)
        let estimates = Dictionary(runs.map { r in
            (r.id, Estimator.seconds(r, secondsPerStep: throughput.secondsPerStep(r.config, threads: schedule.threads,
                                                                                  lanes: schedule.threads == 1 ? lanes : 1)))
        }, uniquingKeysWith: { a, _ in a })
        let queue = WorkQueue(runs.sorted { a, b in
            let pa = a.role == .run ? 1 : 0, pb = b.role == .run ? 1 : 0
            return pa != pb ? pa < pb : estimates[a.id]! > estimates[b.id]!
        })
        progress.begin(total: plan.rows.count, alreadyDone: plan.rows.filter { directory.status(of: $0) == .done || directory.status(of: $0) == .diverged }.count,
                       remainingEstimate: estimates.values.reduce(0, +), jobs: lanes)
        let group = DispatchGroup()
        for lane in 0..<lanes {
            group.enter()
            let worker = Thread {
                while let run = queue.next(isReady: { r in
                    guard let t = r.trunk, let trunk = plan.run(t) else { return true }
                    let s = directory.status(of: trunk)
                    return s != .pending && s != .interrupted
                }) {
                    let estimate = estimates[run.id] ?? 0
                    progress.started(lane: lane, name: run.config.name, estimate: estimate)
                    let t0 = Date()
                    let status = RunExecution.execute(run, in: directory, threads: schedule.threads, retryFailed: options.retryFailed) {
                        progress.event(lane: lane, $0)
                    }
                    progress.finished(lane: lane, name: run.config.name, status: status, seconds: Date().timeIntervalSince(t0),
                                      estimate: estimate, isRow: run.role == .run)
                    queue.finish(run.id)
                    if run.role == .run, status != .interrupted {
                        // Results as they come: a look at results.csv mid-sweep shows the finished runs.
                        if let p = try? directory.readPlan() { try? ResultsTable.write(plan: p, directory: directory) }
                    }
                }
                group.leave()
            }
            worker.stackSize = 16 << 20
            worker.start()
        }
        group.wait()
    }
}

/// The runs left to take, handed out under a lock; a worker waits while only blocked runs remain
/// and others are still running.
final class WorkQueue: @unchecked Sendable {
    private var pending: [PlannedRun]
    private var running = Set<String>()
    private let condition = NSCondition()

    init(_ runs: [PlannedRun]) { pending = runs }

    func next(isReady: (PlannedRun) -> Bool) -> PlannedRun? {
        condition.lock(); defer { condition.unlock() }
        while true {
            if let i = pending.firstIndex(where: isReady) {
                let r = pending.remove(at: i)
                running.insert(r.id)
                return r
            }
            // Nothing ready: wait for a running run (a trunk) to end, or give up if none runs.
            if pending.isEmpty || running.isEmpty { return nil }
            condition.wait()
        }
    }

    func finish(_ id: String) {
        condition.lock(); running.remove(id); condition.broadcast(); condition.unlock()
    }
}
