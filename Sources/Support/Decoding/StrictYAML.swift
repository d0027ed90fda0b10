import Foundation
import Yams

public enum StrictYAML {
    /// Decodes `text` and turns a decoding failure into a `ScaleLabError.config` naming the file
    /// and the dotted key path. Unknown keys are rejected by each manifest type's `init(from:)`
    /// through `Support`'s `rejectUnknownKeys`.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            let (key, reason) = error.keyPathAndReason
            throw ScaleLabError.config(file: file, key: key.isEmpty ? "(document)" : key, reason: reason)
        } catch let error as ScaleLabError {
            throw error
        } catch {
            // The YAML parser's own errors (a syntax error, control characters): still bad input.
            throw ScaleLabError.config(file: file, key: "(document)", reason: "not valid YAML: \(error)")
        }
    }
}
