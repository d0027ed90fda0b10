import Foundation
import Support
import Yams

/// A coding key that accepts any string, used to list the keys a YAML mapping really holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Yams ignores keys a `Codable` type does not declare, so a misspelled key would silently
    /// fall back to a default. Every manifest struct calls this first to make it an error.
    func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type) throws {
        let known = Set(K.allCases.map(\.stringValue))
        let present = try container(keyedBy: AnyKey.self).allKeys
        if let bad = present.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [AnyKey(stringValue: bad)],
                debugDescription: "unknown key '\(bad)' (allowed: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

enum StrictYAML {
    /// Decodes `text` and turns a decoding failure into a `ScaleLabError.config` naming the file
    /// and the dotted key path.
    static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            let (path, reason): ([CodingKey], String)
            switch error {
            case let .typeMismatch(_, c): (path, reason) = (c.codingPath, c.debugDescription)
            case let .valueNotFound(_, c): (path, reason) = (c.codingPath, c.debugDescription)
            case let .keyNotFound(key, c): (path, reason) = (c.codingPath + [key], "required key is missing")
            case let .dataCorrupted(c):
                (path, reason) = (c.codingPath, c.debugDescription + (c.underlyingError.map { ": \($0)" } ?? ""))
            @unknown default: (path, reason) = ([], "\(error)")
            }
            let key = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw ScaleLabError.config(file: file, key: key.isEmpty ? "(document)" : key, reason: reason)
        }
    }
}
