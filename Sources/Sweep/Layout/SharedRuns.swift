import Foundation
import Support
import Training

/// Runs shared between sweeps. A run id is a hash of the resolved run config (without its name or
/// thread count), so a run that another sweep beside this one has already trained is the same
/// experiment: it is copied in instead of being trained again (lab 09 takes most of its runs from
/// the quickstart this way). A trunk (whose id leaves out its length) is copied when a branch here
/// still needs it, and extended from its last checkpoint.
extension SweepDirectory {
    /// Sibling sweep directories: the other folders beside this one that hold a `sweep.yaml`.
    var siblings: [SweepDirectory] {
        let parent = url.deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        return names.sorted().map { parent.appendingPathComponent($0) }.filter { other in
            other.standardizedFileURL.path != url.standardizedFileURL.path
                && FileManager.default.fileExists(atPath: other.appendingPathComponent("sweep.yaml").path)
        }.map(SweepDirectory.init)
    }

    /// Copies into this sweep every run of `runs` that is pending here and finished (done or
    /// diverged) in a sibling sweep, and every trunk that a branch here still needs and a sibling
    /// has trained part of. Returns run id → the sibling sweep it came from.
    @discardableResult
    public func adoptRuns(_ runs: [PlannedRun]) -> [String: String] {
        // A copy cut short by a kill left its staging folder; the sweep's lock says no other
        // process is copying into this directory now.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasPrefix(".copy-") {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
        let donors = siblings
        guard !donors.isEmpty else { return [:] }
        var adopted: [String: String] = [:]
        for run in runs where run.role != .trunk && status(of: run) == .pending {
            for donor in donors {
                let s = donor.status(of: run)
                guard s == .done || s == .diverged, donor.outcomeReason(run.id) == nil else { continue }
                if copy(run, from: donor) { adopted[run.id] = donor.url.lastPathComponent; break }
            }
        }
        let needed = Self.neededTrunks(runs, statuses: statuses(runs), retryFailed: false)
        for trunk in runs where trunk.role == .trunk && needed.contains(trunk.id) && status(of: trunk) == .pending {
            for donor in donors {
                guard let summary = donor.summary(trunk.id), summary.status == .stopped || summary.status == .finished else { continue }
                if copy(trunk, from: donor) { adopted[trunk.id] = donor.url.lastPathComponent; break }
            }
        }
        return adopted
    }

    /// Copies `run`'s directory from `donor` while holding the donor run's lock (so never a run
    /// that is training), after checking that its config really hashes to the run id. The copy is
    /// made in a temporary folder and renamed into place: a kill leaves no run directory or a whole one.
    private func copy(_ run: PlannedRun, from donor: SweepDirectory) -> Bool {
        let fm = FileManager.default
        let source = donor.runDirectory(run.id)
        guard let config = try? RunConfig.load(path: source.appendingPathComponent("config.yaml").path) else { return false }
        var identity = config
        if run.role == .trunk { identity.training.steps = 1 }
        guard RunID.of(identity, salt: run.role == .trunk ? "trunk" : "") == run.id else { return false }
        guard let hold = try? DirectoryLock(source, purpose: "being copied into sweep \(url.lastPathComponent)") else { return false }
        defer { withExtendedLifetime(hold) {} }
        let staging = url.appendingPathComponent(".copy-\(run.id)-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            try? fm.removeItem(at: staging)
            try fm.copyItem(at: source, to: staging)
            // Lock files belong to the donor's processes.
            for name in (try? fm.contentsOfDirectory(atPath: staging.path)) ?? [] where name.hasSuffix(".lock") {
                try? fm.removeItem(at: staging.appendingPathComponent(name))
            }
            try AtomicFile.write("\(donor.url.lastPathComponent)\n", to: staging.appendingPathComponent(Self.originFile), durable: false)
            try fm.moveItem(at: staging, to: runDirectory(run.id))
            return true
        } catch {
            try? fm.removeItem(at: staging)
            return false
        }
    }

    static let originFile = "sweep-origin.txt"

    /// The sibling sweep a run was copied from, if it was.
    public func origin(_ id: String) -> String? {
        (try? String(contentsOf: runDirectory(id).appendingPathComponent(Self.originFile), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The runs an executor still has to train: pending, interrupted, or failed when retrying —
    /// after copying shared runs from sibling sweeps, and without trunks whose every branch is
    /// finished (a trunk's only use is to be branched from).
    public func runsToTrain(_ runs: [PlannedRun], retryFailed: Bool) -> (todo: [PlannedRun], adopted: [String: String]) {
        let adopted = adoptRuns(runs)
        let statuses = statuses(runs)
        let needed = Self.neededTrunks(runs, statuses: statuses, retryFailed: retryFailed)
        let todo = runs.filter { r in
            Self.needsTraining(statuses[r.id], retryFailed: retryFailed) && (r.role != .trunk || needed.contains(r.id))
        }
        return (todo, adopted)
    }

    /// Each run's status, read once.
    public func statuses(_ runs: [PlannedRun]) -> [String: RunStatus] {
        Dictionary(runs.map { ($0.id, status(of: $0)) }, uniquingKeysWith: { a, _ in a })
    }

    static func needsTraining(_ s: RunStatus?, retryFailed: Bool) -> Bool {
        s == .pending || s == .interrupted || (s == .failed && retryFailed)
    }

    /// The trunks some branch still needs: the trunks of runs that still have to train.
    public static func neededTrunks(_ runs: [PlannedRun], statuses: [String: RunStatus], retryFailed: Bool) -> Set<String> {
        Set(runs.filter { $0.role != .trunk && needsTraining(statuses[$0.id], retryFailed: retryFailed) }.compactMap(\.trunk))
    }
}
