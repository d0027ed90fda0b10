import ArgumentParser

/// The `scalelab` command: only configuration here; each subcommand lives in its own file and
/// calls one library function.
public struct ScaleLabCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "scalelab",
        abstract: "Generate scaling-law data on a CPU and fit the published laws to it.",
        version: "0.1.0",
        subcommands: [CorpusCommand.self, TokenizerCommand.self, TrainCommand.self, WSDCommand.self, SweepCommand.self, RunOneCommand.self,
                      StatusCommand.self, ScheduleCommand.self, ExportCommand.self, SampleCommand.self, FitCommand.self,
                      PredictCommand.self, ReportCommand.self, ReproduceCommand.self, BenchCommand.self])

    public init() {}
}
