import Foundation
import Training

/// Renders training events: a one-line progress bar redrawn in place on a terminal, plain log
/// lines when the output is piped to a file or another program.
public final class ProgressPrinter: @unchecked Sendable {
    public let interactive: Bool
    private let logInterval: Int
    private var lastVal: Double?

    public init(interactive: Bool = isatty(STDERR_FILENO) != 0, logInterval: Int = 10) {
        self.interactive = interactive; self.logInterval = logInterval
    }

    public func handle(_ event: TrainingEvent) {
        switch event {
        case let .started(name, steps, description):
            write("training \(name): \(steps) steps\n\(description)\n")
        case let .step(step, steps, loss, lr, tps):
            let val = lastVal.map { String(format: " val %.4f", $0) } ?? ""
            let stats = String(format: "loss %.4f%@ lr %.2e %.0f tok/s", loss, val, lr, tps)
            if interactive {
                let width = 30, filled = width * step / max(steps, 1)
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                write("\r\u{1B}[K[\(bar)] \(step)/\(steps) \(stats)")
            } else if step % logInterval == 0 || step == steps {
                write("step \(step)/\(steps) \(stats)\n")
            }
        case let .evaluated(step, valLoss):
            lastVal = valLoss
            if !interactive { write(String(format: "step %d val_loss %.4f\n", step, valLoss)) }
        case let .message(text):
            if interactive { write("\r\u{1B}[K") }
            log.info("\(text)")
        case let .resumed(step, checkpoint):
            write("resuming after step \(step) from \(checkpoint)\n")
        case let .warning(message):
            if interactive { write("\r\u{1B}[K") }
            log.warning("\(message)")
        case let .finished(summary):
            if interactive { write("\n") }
            let val = summary.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a"
            write(String(format: "%@ %@ after %d steps (%d tokens) in %.1f s, %.0f tok/s; final val loss %@\n",
                         summary.name, summary.status.rawValue, summary.steps, summary.tokens, summary.wallSeconds,
                         summary.tokensPerSecond, val))
        }
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
