import Foundation
import Testing
@testable import Sweep

/// Whether a real Slurm controller answers here (scripts/slurm-localhost.sh start sets one up).
let slurmReady: Bool = {
    guard SlurmExecutor.available, let out = try? SlurmExecutor.command("scontrol", ["ping"]) else { return false }
    return out.contains("UP")
}()

/// Real Slurm, no stand-in: skipped with this message where sbatch is absent or no controller runs.
@Suite(.serialized, .enabled(if: slurmReady && scalelab != nil,
                             "Slurm not available (no sbatch, or `scontrol ping` not UP): run scripts/slurm-localhost.sh start"))
struct SlurmSweepTests {
    @Test func aSlurmSweepWithAKilledTaskCompletesOnRerunAndMatchesTheLocalOne() throws {
        let dir = scratch("slurm")
        let text = try wordsFile(in: dir)
        let config = dir.appendingPathComponent("s.yaml")
        try tinySweepYAML(name: "s", text: text).write(to: config, atomically: true, encoding: .utf8)
        let local = try runScalelab(["sweep", config.path, "--jobs", "2", "--threads", "1", "--runs-dir", dir.appendingPathComponent("local").path])
        #expect(local.status == 0, "\(local.stderr)")

        let runs = dir.appendingPathComponent("slurm").path
        let submitted = try runScalelab(["sweep", config.path, "--executor", "slurm", "--threads", "1", "--runs-dir", runs])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let directory = SweepDirectory(URL(fileURLWithPath: runs).appendingPathComponent("s"))
        let jobs = SlurmExecutor.readJobs(directory)
        #expect(jobs.count == 2 && jobs[1].dependsOn == jobs[0].jobID, "runs after trunks")
        // Kill the first task that is seen running (a crash of that task, as far as the run knows).
        var victim: String?
        let deadline = Date().addingTimeInterval(60)
        while victim == nil, Date() < deadline {
            let out = try SlurmExecutor.command("squeue", ["-h", "-r", "-j", jobs.map(\.jobID).joined(separator: ","), "-t", "RUNNING", "-o", "%i"])
            victim = out.split(separator: "\n").first.map(String.init)
            if victim == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let killed = try #require(victim, "no task was ever seen running")
        _ = try SlurmExecutor.command("scancel", ["--signal=KILL", killed])
        try SlurmExecutor.waitFor(directory, poll: 0.3)
        let status = try runScalelab(["status", directory.url.path])
        #expect(status.status == 0, "\(status.stderr)")
        print("after killing task \(killed): \(status.stdout.split(separator: "\n").last ?? "")")

        let rerun = try runScalelab(["sweep", config.path, "--executor", "slurm", "--threads", "1", "--wait", "--runs-dir", runs])
        #expect(rerun.status == 0, "\(rerun.stderr)\n\(rerun.stdout)")
        let a = try comparableResults(dir.appendingPathComponent("local/s/results.csv"))
        let b = try comparableResults(directory.resultsURL)
        #expect(a.count == 4 && a == b)
    }
}
