import ArgumentParser
import Foundation
import Support
import Training

extension ScaleLabCommand {
    /// Parses the command line, runs the command, and ends the process with the README's exit
    /// statuses: every error in one style (what is at fault, why, what to do), operating-system
    /// errors in plain words, nothing non-printable echoed.
    public static func runAndExit() -> Never {
        var command: any ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            try command.run()
            exit()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // --help and the parser's other requests arrive as its internal error types.
            exit(withError: error)
        } catch {
            let (message, status) = report(error)
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            Foundation.exit(status)
        }
    }

    /// The message and exit status for an error a command threw.
    static func report(_ error: any Error) -> (String, Int32) {
        switch error {
        case let e as ScaleLabError: return (e.description, ExitStatus.badInput)
        case let e as Interrupted: return (e.description, ExitStatus.interrupted)
        case let e as DecodingError:
            let (key, reason) = e.keyPathAndReason
            return (Printable.escaped("key '\(key)': \(reason)"), ExitStatus.badInput)
        default:
            if let translated = FileSystemError.translate(error) { return (translated.description, ExitStatus.badInput) }
            return ("internal error (please report it): \(Printable.escaped(String(describing: error)))", ExitStatus.internalError)
        }
    }
}

/// Ends a training command with the README's status for how its run ended.
func exitStatus(of summary: RunSummary) throws {
    switch summary.status {
    case .diverged: throw ExitCode(ExitStatus.diverged)
    case .interrupted:
        FileHandle.standardError.write(Data("interrupted after step \(summary.steps): checkpoint written; run the same command again to continue\n".utf8))
        throw ExitCode(ExitStatus.interrupted)
    case .finished, .stopped, .running: return
    }
}
