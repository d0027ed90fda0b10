import ArgumentParser
import Foundation
import Support
import Training

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Show a config's learning-rate schedule.",
        subcommands: [Print.self, Plot.self])

    struct ConfigOptions: ParsableArguments {
        @Argument(help: "The run's YAML config.")
        var config: String

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        func load() throws -> RunConfig { try RunConfig.load(path: config, overrides: overrides) }
    }

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a step,tokens,lr table (0-based steps; optimizer step k of metrics.csv uses the rate of step k−1).")

        @OptionGroup var options: ConfigOptions

        @Option(parsing: .unconditional, help: "Print every N-th step (and the last).")
        var every = 1

        func validate() throws { if every < 1 { throw ValidationError("--every must be at least 1") } }

        func run() throws { print(SchedulePlot.table(try options.load(), every: every), terminator: "") }
    }

    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Plot the schedule in the terminal, or as an SVG file with --svg.")

        @OptionGroup var options: ConfigOptions

        @Option(help: "Write an SVG chart to this file instead of plotting in the terminal.")
        var svg: String?

        @Option(parsing: .unconditional, help: "Plot width in characters.")
        var width = 72

        @Option(parsing: .unconditional, help: "Plot height in lines.")
        var height = 16

        func validate() throws {
            if width < 10 || height < 3 { throw ValidationError("--width must be at least 10 and --height at least 3") }
        }

        func run() throws {
            let config = try options.load()
            if let svg {
                try AtomicFile.write(SchedulePlot.svg(config), to: URL(fileURLWithPath: svg))
                print("wrote \(svg)")
            } else {
                print(SchedulePlot.ascii(config, width: width, height: height), terminator: "")
            }
        }
    }
}
