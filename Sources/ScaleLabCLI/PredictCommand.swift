import ArgumentParser
import Fitting
import Foundation
import Support

/// `scalelab predict --fit fit.json ...`: evaluates fitted laws.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict loss at (N, D), the compute-optimal N, D and loss at C, the optimal vocabulary, or an annealing curve, from a fit file.")

    @Option(help: "Fit file written by 'scalelab fit --out'.")
    var fit: String

    @Option(help: "Only use this law's fit.")
    var law: LawName?

    @Option(help: "Parameters N (vocab: non-vocabulary parameters).")
    var params: Double?

    @Option(help: "Training tokens D.")
    var tokens: Double?

    @Option(help: "Compute budget C in FLOPs: the optimal N, D (and loss).")
    var compute: Double?

    @Option(help: "Vocab: vocabulary size V.")
    var vocab: Double?

    @Option(help: "Vocab: embedding width d (N_v = V·d).")
    var dModel: Double?

    @Option(help: "Data-constrained: unique tokens U (default: D, no repetition).")
    var uniqueTokens: Double?

    @Option(help: "Annealing: CSV with step and lr columns; predicts its loss curve.")
    var schedule: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        for (name, v) in [("--params", params), ("--tokens", tokens), ("--compute", compute), ("--vocab", vocab), ("--d-model", dModel), ("--unique-tokens", uniqueTokens)] {
            if let v, !(v > 0 && v.isFinite) { throw ValidationError("\(name) must be a positive number") }
        }
        guard (params != nil && tokens != nil) || compute != nil || schedule != nil || (params != nil && dModel != nil) else {
            throw ValidationError("give --params N and --tokens D, or --compute C, or --schedule FILE (vocab-derivative: --params N --d-model d)")
        }
    }

    func run() throws {
        var q = PredictionQuery()
        q.law = law
        q.params = params; q.tokens = tokens; q.compute = compute; q.vocabulary = vocab; q.width = dModel
        q.uniqueTokens = uniqueTokens; q.schedulePath = schedule
        let rows = try Prediction.predict(fitFile: fit, query: q)
        if json { print(try JSONOutput.string(rows), terminator: ""); return }
        for r in rows {
            let values = r.values.keys.sorted().map { "\($0)=\(String(format: "%.6g", r.values[$0]!))" }.joined(separator: " ")
            print("\(r.law)\(r.variable.map { " L(\($0))" } ?? ""): \(values)")
            if let pi = r.predictionInterval, pi.count == 2 {
                print("  \(Int(((r.intervalLevel ?? 0.9) * 100).rounded()))% prediction interval of the loss: [\(String(format: "%.6g", pi[0])), \(String(format: "%.6g", pi[1]))]")
            }
            if let ex = r.extrapolation, !ex.isEmpty { print("  extrapolating: " + ex.joined(separator: "; ")) }
            else if r.extrapolation != nil { print("  inside the fitted range") }
            for p in r.curve ?? [] { print("  step \(Int(p[0])): loss \(String(format: "%.6g", p[1]))") }
        }
    }
}
