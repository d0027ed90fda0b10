import Foundation
import Support
import Training

/// `scalelab status`: each run's state from its files, with Slurm's queue where the sweep was
/// submitted there; collects results.csv and curves.csv as they stand.
public enum SweepStatus {
    public struct Report: Sendable {
        public var rows: [(run: PlannedRun, state: String, detail: String)]
        public var counts: [String: Int]
    }

    public static func report(_ directory: SweepDirectory, collect: Bool = true) throws -> Report {
        let plan = try directory.readPlan()
        let queue = (try? SlurmExecutor.queueStates(directory)) ?? [:]
        var rows: [(PlannedRun, String, String)] = []
        var counts: [String: Int] = [:]
        let statuses = directory.statuses(plan.runs)
        let needed = SweepDirectory.neededTrunks(plan.runs, statuses: statuses, retryFailed: false)
        for run in plan.runs {
            var state = (statuses[run.id] ?? directory.status(of: run)).rawValue
            var detail = ""
            if let q = queue[run.id], state != "done", state != "diverged" {
                state = q == "RUNNING" || q == "COMPLETING" ? "running" : "queued"
            } else if state == "interrupted", isLive(directory.runDirectory(run.id)) {
                state = "running"
            }
            if let s = directory.summary(run.id) {
                detail = "step \(s.steps)/\(run.config.training.steps)" + (s.finalValLoss.map { String(format: ", val %.4f", $0) } ?? "")
            }
            if let reason = directory.outcomeReason(run.id) { detail = reason }
            if run.role == .trunk, state == "pending", !needed.contains(run.id) {
                state = "not needed"; detail = "every branch is finished (copied from another sweep); the trunk is not trained"
            }
            rows.append((run, state, detail))
            if run.role == .run { counts[state, default: 0] += 1 }
        }
        if collect {
            try ResultsTable.write(plan: plan, directory: directory)
            try ResultsTable.writeCurves(plan: plan, directory: directory)
        }
        return Report(rows: rows, counts: counts)
    }

    /// Whether the process that last locked a run directory is alive (on this host).
    static func isLive(_ dir: URL) -> Bool {
        guard let text = try? String(contentsOf: dir.appendingPathComponent(DirectoryLock.fileName), encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return false }
        return kill(pid, 0) == 0
    }
}
