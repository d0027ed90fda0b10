import Foundation
import Model
import Support
import Training

/// Submits a sweep to Slurm: one `sbatch --array` for the trunks and learning-rate search runs,
/// one for the runs (dependent on the first, so branches start after their trunks), each task
/// running `scalelab run-one <sweep dir> <run id>`. Job ids and each array's run-id list are kept
/// in `slurm/`, so `scalelab status` can say what is queued or running. ScaleLab submits; Slurm
/// schedules.
public enum SlurmExecutor {
    public struct Options: Sendable {
        public var partition: String?
        public var time: String?
        public var cpusPerTask: Int?
        public var memoryMiB: Int?
        public var retryFailed = false
        public var wait = false
        /// The `scalelab` executable the tasks run (this one by default).
        public var executable: String
        public init(executable: String) { self.executable = executable }
    }

    public struct Job: Codable, Sendable {
        public var jobID: String
        public var runIDs: [String]
        public var dependsOn: String?
        enum CodingKeys: String, CodingKey { case jobID = "job_id", runIDs = "run_ids", dependsOn = "depends_on" }
    }

    public struct Outcome: Sendable {
        public var submitted: [Job]
        public var counts: [SweepDirectory.RunStatus: Int]
    }

    public static var available: Bool { which("sbatch") != nil }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs a tool and returns its standard output; a non-zero exit is an error with its stderr.
    static func command(_ tool: String, _ arguments: [String]) throws -> String {
        guard let path = which(tool) else { throw ScaleLabError.invalid("\(tool) not found on PATH: is Slurm installed on this machine?") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ScaleLabError.invalid("\(tool) \(arguments.joined(separator: " ")) failed (exit \(p.terminationStatus)): \(String(decoding: e, as: UTF8.self))")
        }
        return String(decoding: o, as: UTF8.self)
    }

    public static func run(_ sweep: SweepConfig, directory: SweepDirectory, options: Options) throws -> Outcome {
        let lock = try directory.lock()
        defer { withExtendedLifetime(lock) {} }
        var submitted: [Job] = []
        while true {
            var choices = LRTuning.choices(try Planner.plan(sweep).runs, directory: directory)
            let plan = try Planner.plan(sweep, lrChoices: choices)
            choices = plan.lrChoices
            try directory.write(plan)
            let queued = try activeRunIDs(directory)
            let todo = directory.runsToTrain(plan.runs, retryFailed: options.retryFailed).todo.filter { !queued.contains($0.id) }
            if options.retryFailed { for r in todo { directory.clearOutcome(r.id) } }
            let first = todo.filter { $0.role != .run }, second = todo.filter { $0.role == .run }
            var jobs: [Job] = []
            if !first.isEmpty { jobs.append(try submit(first, name: plan.name, directory: directory, options: options, after: nil)) }
            if !second.isEmpty {
                jobs.append(try submit(second, name: plan.name, directory: directory, options: options, after: jobs.first?.jobID))
            }
            submitted += jobs
            for j in jobs {
                FileHandle.standardError.write(Data("[sweep] submitted Slurm array job \(j.jobID): \(j.runIDs.count) task(s)\(j.dependsOn.map { " after job \($0)" } ?? "")\n".utf8))
            }
            guard options.wait else { break }
            try waitFor(directory)
            // Runs waiting for the learning-rate search can be planned now.
            if plan.deferred.isEmpty || jobs.isEmpty { break }
        }
        let final = try directory.readPlan()
        try ResultsTable.write(plan: final, directory: directory)
        try ResultsTable.writeCurves(plan: final, directory: directory)
        try LRTuning.write(final.runs, choices: final.lrChoices, directory: directory)
        var counts: [SweepDirectory.RunStatus: Int] = [:]
        for r in final.runs where r.role == .run { counts[directory.status(of: r), default: 0] += 1 }
        return Outcome(submitted: submitted, counts: counts)
    }

    static func submit(_ runs: [PlannedRun], name: String, directory: SweepDirectory, options: Options, after: String?) throws -> Job {
        let slurm = directory.slurmURL
        try FileManager.default.createDirectory(at: slurm, withIntermediateDirectories: true)
        let tag = "\(Int(Date().timeIntervalSince1970 * 1000))-\(runs[0].id)"
        let idsURL = slurm.appendingPathComponent("array-\(tag).ids")
        try AtomicFile.write(runs.map(\.id).joined(separator: "\n") + "\n", to: idsURL)
        let cpus = options.cpusPerTask ?? 1
        let memory = try options.memoryMiB ?? runs.map { r in
            let m = try MemoryEstimate.training(config: r.config.model, batchSize: r.config.training.batchSize, threads: cpus)
            // Headroom for the process, the data mapping and the allocator.
            return Int((Double(m.totalBytes) * 1.25) / 1_048_576) + 256
        }.max()!
        let script = slurm.appendingPathComponent("array-\(tag).sh")
        let body = """
            #!/bin/bash
            # Written by `scalelab sweep --executor slurm`: array task i runs line i+1 of the id list.
            id=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" \(shellQuote(idsURL.path)))
            [ -n "$id" ] || { echo "no run for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2; }
            exec \(shellQuote(options.executable)) run-one \(shellQuote(directory.url.path)) "$id" --threads "${SLURM_CPUS_PER_TASK:-\(cpus)}"

            """
        try AtomicFile.write(body, to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        var args = ["--parsable", "--array=0-\(runs.count - 1)", "--cpus-per-task=\(cpus)", "--mem=\(memory)M",
                    "--job-name=scalelab-\(name)", "--output=\(slurm.path)/%A_%a.log", "--chdir=\(FileManager.default.currentDirectoryPath)"]
        if let p = options.partition { args.append("--partition=\(p)") }
        if let t = options.time { args.append("--time=\(t)") }
        if let after { args.append("--dependency=afterany:\(after)") }
        args.append(script.path)
        let out = try command("sbatch", args).trimmingCharacters(in: .whitespacesAndNewlines)
        let jobID = String(out.split(separator: ";").first ?? "")
        guard !jobID.isEmpty, jobID.allSatisfy(\.isNumber) else { throw ScaleLabError.invalid("sbatch printed '\(out)', not a job id") }
        let job = Job(jobID: jobID, runIDs: runs.map(\.id), dependsOn: after)
        var jobs = readJobs(directory)
        jobs.append(job)
        try AtomicFile.write(try JSONOutput.encode(jobs), to: slurm.appendingPathComponent("jobs.json"))
        return job
    }

    static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    public static func readJobs(_ directory: SweepDirectory) -> [Job] {
        guard let data = FileManager.default.contents(atPath: directory.slurmURL.appendingPathComponent("jobs.json").path) else { return [] }
        return (try? JSONDecoder().decode([Job].self, from: data)) ?? []
    }

    /// Slurm's view of this sweep's jobs: run id → PENDING / RUNNING / … for tasks still in the queue.
    public static func queueStates(_ directory: SweepDirectory) throws -> [String: String] {
        let jobs = readJobs(directory)
        guard !jobs.isEmpty, available else { return [:] }
        let byJob = Dictionary(jobs.map { ($0.jobID, $0.runIDs) }, uniquingKeysWith: { a, _ in a })
        let text = try command("squeue", ["-h", "-r", "-j", jobs.map(\.jobID).joined(separator: ","), "-o", "%i %T"])
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            let id = parts[0].split(separator: "_")
            guard id.count == 2, let runs = byJob[String(id[0])], let task = Int(id[1]), runs.indices.contains(task) else { continue }
            out[runs[task]] = String(parts[1])
        }
        return out
    }

    static func activeRunIDs(_ directory: SweepDirectory) throws -> Set<String> {
        // An unreachable controller must not lead to submitting everything twice.
        Set(try queueStates(directory).keys)
    }

    /// Blocks until none of the sweep's tasks is queued or running.
    public static func waitFor(_ directory: SweepDirectory, poll: Double = 1) throws {
        while !(try queueStates(directory)).isEmpty { Thread.sleep(forTimeInterval: poll) }
    }
}
