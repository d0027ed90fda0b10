import ArgumentParser
import Benchmarks
import Corpora
import Tokenizer

// Choices on the command line are the libraries' own enums, so `--help` lists their values and a
// wrong value is refused by the parser with the list.
extension TieBreak: ExpressibleByArgument {}
extension LocalSource.Format: ExpressibleByArgument {}
extension Benchmark.PresetName: ExpressibleByArgument {}
