import Foundation
import Support
import Training
import Yams

/// `runs/<sweep>/`: `sweep.yaml` (the resolved plan), one ordinary run directory per run id,
/// `results.csv`, `curves.csv`, `lr_tuning.csv` when the learning rate is tuned, `slurm/` when
/// submitted to Slurm.
public struct SweepDirectory: Sendable {
    public let url: URL
    public init(_ url: URL) { self.url = url }

    public func runDirectory(_ id: String) -> URL { url.appendingPathComponent(id) }
    public var planURL: URL { url.appendingPathComponent("sweep.yaml") }
    public var resultsURL: URL { url.appendingPathComponent("results.csv") }
    public var curvesURL: URL { url.appendingPathComponent("curves.csv") }
    public var tuningURL: URL { url.appendingPathComponent("lr_tuning.csv") }
    public var slurmURL: URL { url.appendingPathComponent("slurm") }

    /// Refuses a second sweep process on this directory, naming the owner's pid.
    public func lock() throws -> DirectoryLock { try DirectoryLock(url, purpose: "a sweep runs here") }

    /// What sweep.yaml holds: every run's resolved config, keyed by run id (`runs`), and the
    /// order the executors take them in (`order`: learning-rate searches, trunks before branches).
    public struct PlanFile: Codable, Sendable {
        public var name: String
        public var sweptKeys: [String]
        public var lrChoices: [String: Double]
        public var deferredRuns: Int
        public var order: [String]
        public var runsByID: [String: PlannedRun]
        enum CodingKeys: String, CodingKey {
            case name, sweptKeys = "swept_keys", lrChoices = "lr_choices", deferredRuns = "deferred_runs", order, runsByID = "runs"
        }

        init(_ plan: SweepPlan) {
            name = plan.name; sweptKeys = plan.sweptKeys; lrChoices = plan.lrChoices; deferredRuns = plan.deferred.count
            order = plan.runs.map(\.id)
            runsByID = Dictionary(plan.runs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        }

        /// Every run, in `order`.
        public var runs: [PlannedRun] { order.compactMap { runsByID[$0] } }
    }

    public func write(_ plan: SweepPlan) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let file = PlanFile(plan)
        let text = "# The resolved plan of sweep \(plan.name), written by `scalelab sweep`: every run's config by run id.\n"
            + (try ExactYAML.encode(file))
        try AtomicFile.write(text, to: planURL)
    }

    public func readPlan() throws -> PlanFile {
        guard let data = FileManager.default.contents(atPath: planURL.path) else {
            throw ScaleLabError.io(path: planURL.path, reason: "no resolved plan here; run `scalelab sweep CONFIG` first")
        }
        let file = try StrictYAML.decode(PlanFile.self, from: String(decoding: data, as: UTF8.self), file: planURL.path)
        if let missing = file.order.first(where: { file.runsByID[$0] == nil }) {
            throw ScaleLabError.config(file: planURL.path, key: "order", reason: "run '\(missing)' has no entry under runs")
        }
        return file
    }

    // MARK: run outcomes

    /// Where a run stands, from its files alone (so any executor, and `status`, agree).
    public enum RunStatus: String, Sendable, CaseIterable {
        case done, diverged, failed, interrupted, pending
    }

    static let outcomeFile = "sweep-outcome.txt"
    static let hostFile = "sweep-host.txt"

    public func status(of run: PlannedRun) -> RunStatus {
        let dir = runDirectory(run.id)
        if let text = try? String(contentsOf: dir.appendingPathComponent(Self.outcomeFile), encoding: .utf8),
           let word = text.split(separator: "\n").first, let s = RunStatus(rawValue: String(word)) {
            return s
        }
        if let summary = summary(run.id) {
            switch summary.status {
            case .finished: return .done
            case .diverged: return .diverged
            case .stopped where run.role == .trunk && summary.steps >= (run.branchPoints?.last ?? Int.max): return .done
            default: return .interrupted
            }
        }
        return FileManager.default.fileExists(atPath: dir.path) ? .interrupted : .pending
    }

    public func summary(_ id: String) -> RunSummary? {
        guard let data = FileManager.default.contents(atPath: runDirectory(id).appendingPathComponent("summary.json").path) else { return nil }
        return try? JSONOutput.decoder().decode(RunSummary.self, from: data)
    }

    /// Records a run that could not finish (failed, or diverged through its trunk) with the reason.
    public func recordOutcome(_ id: String, _ status: RunStatus, reason: String) throws {
        let dir = runDirectory(id)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try AtomicFile.write("\(status.rawValue)\n\(reason)\n", to: dir.appendingPathComponent(Self.outcomeFile))
    }

    /// Forgets a recorded failure, so the run is tried again (`--retry-failed`).
    public func clearOutcome(_ id: String) {
        try? FileManager.default.removeItem(at: runDirectory(id).appendingPathComponent(Self.outcomeFile))
    }

    public func outcomeReason(_ id: String) -> String? {
        guard let text = try? String(contentsOf: runDirectory(id).appendingPathComponent(Self.outcomeFile), encoding: .utf8) else { return nil }
        return text.split(separator: "\n", maxSplits: 1).dropFirst().first.map(String.init)
    }

    public func recordHost(_ id: String) {
        let host = ProcessInfo.processInfo.hostName
        try? AtomicFile.write(host + "\n", to: runDirectory(id).appendingPathComponent(Self.hostFile), durable: false)
    }

    public func host(_ id: String) -> String? {
        (try? String(contentsOf: runDirectory(id).appendingPathComponent(Self.hostFile), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
