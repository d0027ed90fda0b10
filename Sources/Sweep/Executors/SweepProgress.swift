import Foundation
import Training

/// One progress display for a whole sweep: runs done/total, each lane's current run and loss, and
/// an ETA from the plan's estimates scaled by how fast the finished runs actually went. A terminal
/// gets one line redrawn in place; a pipe gets a line per finished run and every 15 s.
public final class SweepProgress: @unchecked Sendable {
    struct Lane { var name = ""; var step = 0; var steps = 0; var loss: Double?; var estimate = 0.0 }
    private let lock = NSLock()
    private var lanes: [Int: Lane] = [:]
    private var done = 0, total = 0, failed = 0
    private var remainingEstimate = 0.0
    private var jobs = 1
    private let interactive: Bool
    private let start = Date()
    private var lastPrint = Date.distantPast
    private var estimatedDone = 0.0, actualDone = 0.0
    public let write: @Sendable (String) -> Void

    public init(interactive: Bool = isatty(STDERR_FILENO) != 0,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.interactive = interactive; self.write = write
    }

    func begin(total: Int, alreadyDone: Int, remainingEstimate: Double, jobs: Int) {
        lock.lock(); defer { lock.unlock() }
        self.total = total; done = alreadyDone; self.remainingEstimate = remainingEstimate; self.jobs = jobs
    }

    func started(lane: Int, name: String, estimate: Double) {
        lock.lock(); lanes[lane] = Lane(name: name, estimate: estimate); lock.unlock()
    }

    func event(lane: Int, _ e: TrainingEvent) {
        lock.lock()
        switch e {
        case let .step(step, steps, loss, _, _):
            lanes[lane]?.step = step; lanes[lane]?.steps = steps; lanes[lane]?.loss = loss
        case let .warning(text):
            lock.unlock(); write((interactive ? "\r\u{1B}[K" : "") + "warning: \(text)\n"); return
        default: break
        }
        let due = Date().timeIntervalSince(lastPrint) > (interactive ? 0.5 : 15)
        lock.unlock()
        if due { render(newline: !interactive) }
    }

    func finished(lane: Int, name: String, status: SweepDirectory.RunStatus, seconds: Double, estimate: Double, isRow: Bool) {
        lock.lock()
        lanes[lane] = nil
        if isRow { done += 1 }
        if isRow && (status == .failed || status == .diverged) { failed += 1 }
        remainingEstimate = max(0, remainingEstimate - estimate)
        estimatedDone += estimate; actualDone += seconds
        lock.unlock()
        if !interactive || status != .done {
            write((interactive ? "\r\u{1B}[K" : "") + String(format: "%@ %@ in %.1f s\n", name, status.rawValue, seconds))
        }
        render(newline: !interactive)
    }

    func line() -> String {
        lock.lock(); defer { lock.unlock() }
        let ratio = estimatedDone > 0 ? actualDone / estimatedDone : 1
        let runningLeft = lanes.values.reduce(0.0) { $0 + $1.estimate * (1 - Double($1.step) / Double(max($1.steps, 1))) }
        let eta = max(0, (remainingEstimate - lanes.values.reduce(0.0) { $0 + $1.estimate } + runningLeft) * ratio / Double(max(jobs, 1)))
        var s = "[sweep] \(done)/\(total) runs done"
        if failed > 0 { s += " (\(failed) failed/diverged)" }
        for key in lanes.keys.sorted() {
            let l = lanes[key]!
            s += " | \(l.name) \(l.step)/\(l.steps)" + (l.loss.map { String(format: " loss %.3f", $0) } ?? "")
        }
        s += String(format: " | elapsed %.0fs, ETA %.0fs", Date().timeIntervalSince(start), eta)
        return s
    }

    func render(newline: Bool) {
        let text = line()
        lock.lock(); lastPrint = Date(); lock.unlock()
        write(newline ? text + "\n" : "\r\u{1B}[K" + text)
    }

    func end() { if interactive { write("\n") } }
}
