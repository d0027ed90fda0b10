import Foundation
import Support
import Training

/// Executes one planned run in its directory, whichever executor asked: the local executor's
/// workers and `scalelab run-one` (a Slurm task) both come here, so both leave the same files.
/// Finished runs are not repeated; interrupted ones resume from their newest checkpoint.
public enum RunExecution {
    public static func execute(_ run: PlannedRun, in directory: SweepDirectory, threads: Int, retryFailed: Bool = false,
                               events: (TrainingEvent) -> Void = { _ in }) -> SweepDirectory.RunStatus {
        let before = directory.status(of: run)
        switch before {
        case .done, .diverged: return before
        case .failed where !retryFailed: return before
        case .failed: directory.clearOutcome(run.id)
        default: break
        }
        let dir = directory.runDirectory(run.id)
        // Another process on this run (a duplicate Slurm task) is not a failure of the run. The
        // sweep's own lock file: `train` takes the run directory's lock itself.
        let lock: DirectoryLock
        do { lock = try DirectoryLock(dir, file: ".sweep-task.lock", purpose: "run \(run.id) is handled by a sweep task") } catch {
            events(.warning("run \(run.id): \(error)"))
            return .interrupted
        }
        defer { withExtendedLifetime(lock) {} }
        do {
            directory.recordHost(run.id)
            var config = run.config
            config.threads = threads
            // A run that started before resumes under the name and thread count it started with:
            // its checkpoint (and, bit for bit, its numbers) belong to that thread count.
            let saved = dir.appendingPathComponent("config.yaml")
            if FileManager.default.fileExists(atPath: saved.path), let previous = try? RunConfig.load(path: saved.path) {
                config.threads = previous.threads; config.name = previous.name
            } else if let trunkID = run.trunk,
                      let trunk = try? RunConfig.load(path: directory.runDirectory(trunkID).appendingPathComponent("config.yaml").path) {
                // A branch continues its trunk's numbers, so it takes the thread count of the
                // checkpoint it starts from (a trunk copied from another sweep, or trained under
                // another schedule before a restart).
                config.threads = trunk.threads
            }
            let summary: RunSummary
            switch run.role {
            case .trunk:
                let points = run.branchPoints ?? []
                summary = try train(config: config, runDirectory: dir,
                                    options: TrainingOptions(stopAfterStep: points.last, retainedSteps: Set(points)), events: events)
            case .run, .lrTune:
                var options = TrainingOptions()
                if let trunkID = run.trunk, let step = run.branchStep {
                    let trunk = directory.runDirectory(trunkID)
                    let trunkSummary = directory.summary(trunkID)
                    if trunkSummary?.status == .diverged {
                        try directory.recordOutcome(run.id, .diverged, reason: "its WSD trunk \(trunkID) diverged at step \(trunkSummary?.divergedAtStep ?? 0), before this branch's step \(step)")
                        return .diverged
                    }
                    let checkpoint = CheckpointStore(runDirectory: trunk).url(step: step)
                    if FileManager.default.fileExists(atPath: checkpoint.path) {
                        options.branchFrom = checkpoint
                    } else if (trunkSummary?.steps ?? 0) < step {
                        let ownCheckpoints = !CheckpointStore(runDirectory: dir).steps().isEmpty
                        guard ownCheckpoints else {
                            // Not this run's failure: it waits for its trunk (killed, failed or not run yet).
                            events(.warning("run \(run.id) waits for its WSD trunk \(trunkID), which has not reached step \(step)"))
                            return .interrupted
                        }
                    }
                    // A trunk extended by an edited sweep may have passed this point without keeping
                    // it; a branch equals a fresh run of its length bit for bit, so it trains fresh.
                }
                summary = try train(config: config, runDirectory: dir, options: options, events: events)
            }
            return summary.status == .diverged ? .diverged : directory.status(of: run)
        } catch {
            try? directory.recordOutcome(run.id, .failed, reason: "\(error)")
            events(.warning("run \(run.id) (\(run.config.name)) failed: \(error)"))
            return .failed
        }
    }
}
