import Foundation
import Logging

/// The command line's logger: what the stages report (corpus preparation, tokenizer training,
/// warnings) goes to standard error through swift-log, so a library user can route the same
/// messages elsewhere. `SCALELAB_LOG_LEVEL` (trace … critical; default info) sets how much.
let log: Logger = {
    LoggingSystem.bootstrap { label in
        var handler = TerminalLogHandler(label: label)
        if let text = ProcessInfo.processInfo.environment["SCALELAB_LOG_LEVEL"], let level = Logger.Level(rawValue: text.lowercased()) {
            handler.logLevel = level
        }
        return handler
    }
    return Logger(label: "scalelab")
}()

/// Plain lines for a person at a terminal: the message alone for info, `warning: …` and
/// `error: …` for the levels that need attention. (swift-log's StreamLogHandler prefixes every
/// line with a timestamp and label, which buries progress messages.)
struct TerminalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix: String
        switch event.level {
        case .trace, .debug: prefix = "\(event.level): "
        case .info, .notice: prefix = ""
        case .warning: prefix = "warning: "
        case .error, .critical: prefix = "error: "
        }
        FileHandle.standardError.write(Data("\(prefix)\(event.message)\n".utf8))
    }
}
