import Foundation
import Support
import Training

/// One long WSD "trunk" and cheap "branches" off it (Hägele et al. 2024; MiniCPM): the stable phase
/// of a WSD (or power) schedule does not depend on the run length, so a run of D_i tokens equals
/// the trunk up to its decay start (1 − decay_fraction)·D_i followed by its own decay. The trunk
/// trains to the branch point of the longest run, saving a checkpoint at every branch point; each
/// branch resumes from its point and runs only its decay, producing bit for bit the `metrics.csv`
/// of a fresh run of D_i tokens.
///
/// Layout under `directory`: `trunk/` and `tokens-<D_i>/` run directories, and `sweep.json`
/// (`WSDSweepResult`). Everything resumes after a crash like `train` does, and re-running a finished
/// sweep changes no file: the trunk stays stopped at its last branch point and each finished branch
/// is left alone.
public enum WSDSweep {
    /// The step a run of `steps` steps branches off the trunk: the start of its decay.
    public static func branchStep(_ config: RunConfig, steps: Int) -> Int {
        let s = config.training.schedule
        return steps - DecayPhase.steps(fraction: s.decayFraction, totalSteps: steps)
    }

    /// The config of the run of `tokens` tokens (`training.steps` = tokens / tokens per step), checked.
    public static func config(_ base: RunConfig, tokens: Int) throws -> RunConfig {
        let tps = base.tokensPerStep
        guard tokens > 0, tokens % tps == 0 else {
            throw ScaleLabError.invalid("--tokens \(tokens): must be a positive multiple of the tokens per step (\(tps) = batch_size·grad_accum·context)")
        }
        var c = base
        c.training.steps = tokens / tps
        c.name = "\(base.name)-tokens-\(tokens)"
        do { try c.validate() } catch let ScaleLabError.invalid(reason) {
            throw ScaleLabError.invalid("a run of \(tokens) tokens (\(c.training.steps) steps): \(reason)")
        }
        guard branchStep(c, steps: c.training.steps) >= 1 else {
            throw ScaleLabError.invalid("--tokens \(tokens): the decay would start at step 0; nothing to branch from")
        }
        return c
    }

    /// Trains one branch of `tokens` tokens from the trunk in `trunkDirectory` into `directory`.
    public static func trainBranch(base: RunConfig, tokens: Int, trunkDirectory: URL, directory: URL, startOver: Bool = false,
                                   stopRequested: (@Sendable () -> Bool)? = nil,
                                   events: (TrainingEvent) -> Void = { _ in }) throws -> RunSummary {
        let c = try config(base, tokens: tokens)
        let step = branchStep(c, steps: c.training.steps)
        let trunk = CheckpointStore(runDirectory: trunkDirectory)
        let available = trunk.steps()
        guard available.contains(step) else {
            let reached = available.last ?? 0
            if step > reached {
                throw ScaleLabError.invalid("branch point of \(tokens) tokens (step \(step), \(step * c.tokensPerStep) tokens) is beyond the trunk in \(trunkDirectory.path), which has checkpoints up to step \(reached)")
            }
            throw ScaleLabError.invalid("the trunk in \(trunkDirectory.path) has no checkpoint at step \(step), the branch point of \(tokens) tokens (it has steps \(available.map(String.init).joined(separator: ", "))); train the trunk with this branch point")
        }
        return try train(config: c, runDirectory: directory,
                         options: TrainingOptions(branchFrom: trunk.url(step: step), startOver: startOver, stopRequested: stopRequested),
                         events: events)
    }

    /// Runs the trunk and every branch.
    /// Throws `Interrupted` when `stopRequested` stopped the trunk or a branch (after its checkpoint).
    public static func run(config base: RunConfig, tokens: [Int], directory: URL, startOver: Bool = false,
                           stopRequested: (@Sendable () -> Bool)? = nil,
                           events: (TrainingEvent) -> Void = { _ in }) throws -> WSDSweepResult {
        guard base.training.schedule.hasDecayPhase else {
            throw ScaleLabError.invalidValue(key: "training.schedule.kind", reason: "branching needs a schedule whose stable phase does not depend on the run length (wsd or power), got \(base.training.schedule.kind.rawValue)")
        }
        guard !tokens.isEmpty else { throw ScaleLabError.invalid("--tokens: give at least one token count") }
        guard zip(tokens, tokens.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ScaleLabError.invalid("--tokens: token counts must be strictly increasing, got \(tokens.map(String.init).joined(separator: ","))")
        }
        let configs = try tokens.map { try config(base, tokens: $0) }
        // One sweep process per sweep directory (each run directory below has its own lock too).
        let lock = try DirectoryLock(directory, purpose: "WSD sweep \(base.name)")
        defer { withExtendedLifetime(lock) {} }
        let points = configs.map { branchStep($0, steps: $0.training.steps) }
        guard var trunkConfig = configs.last, let lastPoint = points.last else { throw ScaleLabError.invalid("--tokens: give at least one token count") }
        trunkConfig.name = "\(base.name)-trunk"
        let trunkDir = directory.appendingPathComponent("trunk")
        let trunk = try train(config: trunkConfig, runDirectory: trunkDir,
                              options: TrainingOptions(stopAfterStep: lastPoint, retainedSteps: Set(points), startOver: startOver,
                                                       stopRequested: stopRequested),
                              events: events)
        if trunk.status == .interrupted { throw Interrupted("the trunk in \(trunkDir.path) was interrupted after step \(trunk.steps); run the same command again to continue") }
        var branches: [WSDSweepResult.Branch] = []
        for (c, d) in zip(configs, tokens) {
            let dir = directory.appendingPathComponent("tokens-\(d)")
            let s = try trainBranch(base: base, tokens: d, trunkDirectory: trunkDir, directory: dir, startOver: startOver,
                                    stopRequested: stopRequested, events: events)
            if s.status == .interrupted { throw Interrupted("the branch in \(dir.path) was interrupted after step \(s.steps); run the same command again to continue") }
            guard let info = s.branch else {
                throw ScaleLabError.data(path: dir.appendingPathComponent("summary.json").path, reason: "holds no branch record; this directory is not a branch of \(trunkDir.path) (start over with --force)")
            }
            branches.append(.init(tokens: d, steps: c.training.steps, branchedAtStep: info.branchedAtStep, directory: dir.path,
                                  status: s.status.rawValue, finalValLoss: s.finalValLoss, cooldownFlops: info.cooldownFlops,
                                  freshRunFlops: info.freshRunFlops))
        }
        let result = WSDSweepResult(trunkConfig: trunkConfig, branches: branches)
        let url = directory.appendingPathComponent("sweep.json"), bytes = try JSONOutput.encode(result)
        if FileManager.default.contents(atPath: url.path) != bytes { try AtomicFile.write(bytes, to: url) }
        return result
    }
}

/// `sweep.json`: every branch, and what the sweep cost against training each length from scratch.
/// FLOPs are 6·N_total·D. Branching costs trunk (to the last branch point) + Σ cooldowns =
/// (1 − f)·D_max + f·Σ D_i in token units, at most (1 + f·Σ D_i / D_max) × the longest run.
public struct WSDSweepResult: Codable, Sendable {
    public struct Branch: Codable, Sendable {
        public var tokens: Int, steps: Int, branchedAtStep: Int, directory: String, status: String
        public var finalValLoss: Double?, cooldownFlops: Double, freshRunFlops: Double
        enum CodingKeys: String, CodingKey {
            case tokens, steps, branchedAtStep = "branched_at_step", directory, status, finalValLoss = "final_val_loss"
            case cooldownFlops = "cooldown_flops", freshRunFlops = "fresh_run_flops"
        }
    }
    public var branches: [Branch]
    public var decayFraction: Double
    public var trunkFlops: Double
    /// Trunk + every cooldown.
    public var sweepFlops: Double
    /// Σ fresh runs.
    public var freshFlops: Double
    public var longestRunFlops: Double
    /// sweep_flops / longest_run_flops, and the bound 1 + f·Σ D_i / D_max it must respect.
    public var costRelativeToLongest: Double
    public var bound: Double
    /// fresh_flops / sweep_flops.
    public var savingFactor: Double

    enum CodingKeys: String, CodingKey {
        case branches, decayFraction = "decay_fraction", trunkFlops = "trunk_flops", sweepFlops = "sweep_flops"
        case freshFlops = "fresh_flops", longestRunFlops = "longest_run_flops"
        case costRelativeToLongest = "cost_relative_to_longest", bound, savingFactor = "saving_factor"
    }

    init(trunkConfig: RunConfig, branches: [Branch]) {
        self.branches = branches
        let f = trunkConfig.training.schedule.decayFraction
        decayFraction = f
        guard let longest = branches.last else { preconditionFailure("a sweep has at least one branch (checked by run)") }
        let perStep = longest.freshRunFlops / Double(longest.steps)
        trunkFlops = perStep * Double(longest.branchedAtStep)
        sweepFlops = trunkFlops + branches.reduce(0) { $0 + $1.cooldownFlops }
        freshFlops = branches.reduce(0) { $0 + $1.freshRunFlops }
        longestRunFlops = longest.freshRunFlops
        costRelativeToLongest = sweepFlops / longestRunFlops
        bound = 1 + f * Double(branches.reduce(0) { $0 + $1.tokens }) / Double(longest.tokens)
        savingFactor = freshFlops / sweepFlops
    }
}
