#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A graceful stop on SIGINT, SIGTERM or SIGHUP: the first signal only sets a flag that a long
/// command polls at a safe point (the training loop after a step, to write a checkpoint and a
/// summary); a second signal ends the process at once with `ExitStatus.interrupted`.
public enum StopSignals {
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private static let received = Atomic<Int32>(0)

    /// The signal that asked for a stop, if one has.
    public static var requested: Int32? {
        let s = received.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Installs the handlers (idempotent), and unblocks the signals: a process started by one that
    /// blocks them (some launchers and test runners do) would otherwise never see them.
    public static func install() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in signals { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signal in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = StopSignals_handle
            #else
            action.__sigaction_u.__sa_handler = StopSignals_handle
            #endif
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }

    fileprivate static func handle(_ signal: Int32) {
        // Only async-signal-safe calls here: an atomic exchange and _exit.
        if received.exchange(signal, ordering: .relaxed) != 0 { _exit(ExitStatus.interrupted) }
    }

    /// For tests: forget a received signal.
    public static func reset() { received.store(0, ordering: .relaxed) }
}

private func StopSignals_handle(_ signal: Int32) { StopSignals.handle(signal) }

/// The exit statuses of `scalelab`, documented in the README.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// A config, file or argument was refused (the message names it).
    public static let badInput: Int32 = 1
    /// Training diverged (non-finite loss); summary.json says where.
    public static let diverged: Int32 = 3
    /// Stopped by SIGINT, SIGTERM or SIGHUP; a checkpoint was written and the command resumes it.
    public static let interrupted: Int32 = 4
    /// A bug: an error the program did not expect. Please report it.
    public static let internalError: Int32 = 70
}

/// Thrown by a command that stopped on a signal after saving its work; the CLI exits with
/// `ExitStatus.interrupted` and prints the message.
public struct Interrupted: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
