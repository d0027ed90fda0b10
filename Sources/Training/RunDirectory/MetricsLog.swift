import Foundation
import Support

/// `metrics.csv`: one row per logged step. Every value but `seconds` is a deterministic function
/// of the config and seed, printed with fixed formats, so two runs give identical bytes apart
/// from that column. The file is rewritten whole and renamed into place at each log, so a crash
/// never leaves a half-written row.
public final class MetricsLog {
    public static let header = "step,tokens,lr,train_loss,val_loss,grad_norm,seconds"
    public let url: URL
    private var lines: [String] = [MetricsLog.header]

    public init(url: URL) { self.url = url }

    /// Continues a log saved in a checkpoint (`text` as returned by `text`).
    public init(url: URL, restoring text: String) {
        self.url = url
        lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The whole file as it is written.
    public var text: String { lines.joined(separator: "\n") + "\n" }

    public func append(step: Int, tokens: Int, lr: Double, trainLoss: Double?, valLoss: Double?, gradNorm: Double?,
                       seconds: Double) {
        func f(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "" }
        lines.append([String(step), String(tokens), f(lr, "%.6e"), f(trainLoss, "%.6f"), f(valLoss, "%.6f"),
                      f(gradNorm, "%.6f"), String(format: "%.3f", seconds)].joined(separator: ","))
    }

    public func flush() throws {
        try AtomicFile.write(text, to: url, durable: false)
    }
}
