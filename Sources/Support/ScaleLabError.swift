/// Errors a user can act on. Each names the file, key, line or byte at fault, so the CLI can
/// print it as is and exit non-zero.
public enum ScaleLabError: Error, CustomStringConvertible, Equatable {
    /// A configuration value is wrong: `key` is the dotted path (e.g. `model.n_head`).
    case config(file: String, key: String, reason: String)
    /// A data file is missing, empty, or holds something it must not.
    case data(path: String, reason: String)
    /// Reading or writing a file failed at the operating-system level.
    case io(path: String, reason: String)
    /// A value outside what its key accepts, found by a check after decoding: `key` is the
    /// dotted path, so the caller that knows the file can name both.
    case invalidValue(key: String, reason: String)
    /// An argument or value outside what the operation accepts.
    case invalid(String)

    /// The message, with anything non-printable that came from a file escaped.
    public var description: String { Printable.escaped(rawDescription, keepLines: true, limit: 4000) }

    private var rawDescription: String {
        switch self {
        case let .config(file, key, reason): return "\(file): key '\(key)': \(reason)"
        case let .data(path, reason): return "\(path): \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .invalidValue(key, reason): return "\(key): \(reason)"
        case let .invalid(reason): return reason
        }
    }
}
