import Foundation

/// A coding key that accepts any string, used to list the keys a YAML or JSON mapping really holds.
public struct AnyCodingKey: CodingKey, Hashable, Sendable {
    public let stringValue: String
    public let intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    public init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws when the mapping being decoded holds a key outside `K`. Decodable ignores unknown keys
    /// by default, which turns a typo like `n_laeyr: 4` into a silently ignored setting.
    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_: K.Type) throws {
        let allowed = Set(K.allCases.map(\.stringValue))
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            let expected = K.allCases.map(\.stringValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key],
                debugDescription: "unknown key '\(key.stringValue)' (expected one of: \(expected))"))
        }
    }
}

extension DecodingError {
    /// The dotted key path (`model.n_head`) and a one-line reason, for error messages that name the
    /// key at fault.
    public var keyPathAndReason: (key: String, reason: String) {
        func path(_ p: [any CodingKey]) -> String {
            p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch self {
        case let .typeMismatch(type, ctx):
            return (path(ctx.codingPath), "expected a value of type \(type)")
        case let .valueNotFound(type, ctx):
            return (path(ctx.codingPath), "missing value of type \(type)")
        case let .keyNotFound(key, ctx):
            return (path(ctx.codingPath + [key]), "required key is missing")
        case let .dataCorrupted(ctx):
            var reason = ctx.debugDescription
            if let underlying = ctx.underlyingError { reason += ": \(underlying)" }
            return (path(ctx.codingPath), reason)
        @unknown default:
            return ("", "\(self)")
        }
    }
}
