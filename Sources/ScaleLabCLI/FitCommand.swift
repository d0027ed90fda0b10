import ArgumentParser
import Fitting
import Foundation
import Support

/// `scalelab fit RUNS_DIR|FILE.csv --law NAME…`: fits published scaling laws to loss logs.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit scaling laws (\(LawName.allCases.map(\.rawValue).joined(separator: ", "))) to a runs directory or a CSV file.")

    @Argument(help: "A runs directory (runs/<name>/summary.json, metrics.csv) or a CSV file with a header row.")
    var input: String

    @Option(name: .customLong("law"), help: "Law to fit (repeatable).")
    var laws: [LawName] = []

    @Option(name: .customLong("fix"), help: "NAME=VALUE fixes a parameter (e.g. E=1.4532); NAME=OTHER ties two (e.g. alpha=beta). Repeatable.")
    var fixes: [String] = []

    @Option(name: .customLong("bound"), help: "Bound a parameter: 'NAME<=VALUE', 'NAME>=VALUE' or 'LO<=NAME<=HI' (e.g. 'E<=2.1'). Repeatable.")
    var bounds: [String] = []

    @Flag(help: "Drop the physical default bounds (E between 0 and the smallest observed loss, exponents positive).")
    var noPhysicalBounds = false

    @Option(name: .customLong("map"), help: "QUANTITY=COLUMN: the column (or summary.json key) holding N, D, C, V, loss, step, lr, d, Nv, U, run or status (repeatable).")
    var maps: [String] = []

    @Option(name: .customLong("where"), help: "Keep rows satisfying QUANTITY OP NUMBER, OP one of < <= > >= == != (repeatable), e.g. 'loss<3.44'.")
    var filters: [String] = []

    @Option(help: "Drop the K runs with the highest loss (Besiroglu et al. 2024 drop 5).")
    var dropHighestLoss: Int = 0

    @Option(help: "Bootstrap resamples over runs for 95% intervals (0: none).")
    var bootstrap: Int = 0

    @Option(help: "Approach 3: grid starts per bootstrap refit besides the full-data optimum (4500: the whole grid).")
    var bootstrapGridStarts: Int = 8

    @Option(help: "Approach 3: use every k-th start of the 4500-point Hoffmann grid (1: all, as published).")
    var gridStride: Int = 1

    @Flag(help: "Approach 3: polish every start to the tight tolerances (no loose screening pass first; slower, for comparison).")
    var noScreening = false

    @Option(help: "Seed of the bootstrap resampling.")
    var seed: UInt64 = 0

    @Option(help: "Huber threshold on residuals.")
    var huberDelta: Double = 1e-3

    @Flag(help: "Kaplan: include an irreducible loss E in L = E + (X_c/X)^alpha.")
    var irreducible = false

    @Option(name: .customLong("lambda"), help: "Annealing: momentum decay of the annealing area S2.")
    var lambda: Double = 0.999

    @Flag(help: "Also fit on the smaller-compute runs only and report the prediction error on the largest ones.")
    var holdout = false

    @Option(help: "Fraction of runs (largest compute) held out by --holdout.")
    var holdoutFraction: Double = 0.2

    @Option(help: "IsoFLOP laws: distinct sizes (centred on each budget's best) each parabola is fitted on; at least 3.")
    var isoflopWindow: Int = 5

    @Option(help: "Rollout by compute: predict each of the K largest compute levels from the runs below it (0: none).")
    var rolloutSteps: Int = 5

    @Option(help: "Flag runs whose loss still fell by more than this fraction per doubling of tokens at the end.")
    var unconvergedThreshold: Double = 0.05

    @Flag(help: "Print the fit as JSON on standard output.")
    var json = false

    @Option(help: "Write the fit as JSON to this file (read back by 'scalelab predict').")
    var out: String?

    func validate() throws {
        guard !laws.isEmpty else { throw ValidationError("name at least one --law: \(LawName.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard bootstrap >= 0, bootstrapGridStarts >= 0, dropHighestLoss >= 0, gridStride >= 1 else { throw ValidationError("--bootstrap, --bootstrap-grid-starts and --drop-highest-loss must be ≥ 0, --grid-stride ≥ 1") }
        guard isoflopWindow >= 3 else { throw ValidationError("--isoflop-window must be at least 3 (a parabola needs 3 sizes)") }
        guard rolloutSteps >= 0, unconvergedThreshold > 0 else { throw ValidationError("--rollout-steps must be ≥ 0 and --unconverged-threshold positive") }
        guard huberDelta > 0 else { throw ValidationError("--huber-delta must be positive") }
        guard lambda > 0, lambda <= 1 else { throw ValidationError("--lambda must be in (0, 1]") }
        guard holdoutFraction > 0, holdoutFraction < 1 else { throw ValidationError("--holdout-fraction must be in (0, 1)") }
    }

    func run() throws {
        var selection = DataSelection(dropHighestLoss: dropHighestLoss)
        for m in maps { try selection.addMapping(m) }
        selection.filters = try filters.map { try RowFilter(parsing: $0) }
        var options = FitOptions()
        options.bootstrap = bootstrap
        options.bootstrapGridStarts = bootstrapGridStarts
        options.seed = seed
        options.gridStride = gridStride
        options.huberDelta = huberDelta
        options.kaplanIrreducible = irreducible
        options.annealingLambda = lambda
        options.holdoutFraction = holdout ? holdoutFraction : nil
        options.rolloutSteps = rolloutSteps
        options.isoFLOPWindow = isoflopWindow
        if noScreening { options.screening = nil }
        options.unconvergedThreshold = unconvergedThreshold
        for f in fixes { try options.constraints.addFix(f) }
        for b in bounds { try options.constraints.addBound(b) }
        options.constraints.physicalDefaults = !noPhysicalBounds
        let report = try ScalingFit.run(FitRequest(path: input, laws: laws, selection: selection, options: options))
        if let out { try AtomicFile.write(JSONOutput.encode(report), to: URL(fileURLWithPath: out)) }
        print(json ? try JSONOutput.string(report) : report.renderText(), terminator: json ? "" : "\n")
    }
}

/// `--law` lists its values in `--help` and rejects unknown names with them.
extension LawName: ExpressibleByArgument {}
