import Foundation
import Support

/// Scores prepared synthetic text under its true generator: splits at `<|endoftext|>`, parses
/// each document back into words and sums −ln P. Independent of the sampler, so it checks both the
/// generator and the entropy formula against the bytes actually written.
public enum SyntheticScoring {
    public struct Result: Sendable { public var nats: Double; public var bytes: Int; public var documents: Int }

    public static func negativeLogLikelihood(of file: URL, language: any SyntheticLanguage) throws -> Result {
        let data = try Data(contentsOf: file, options: .alwaysMapped)
        return try data.withUnsafeBytes { try negativeLogLikelihood(of: $0, language: language, name: file.path) }
    }

    /// `text` must be whole documents, each followed by the marker.
    public static func negativeLogLikelihood(of text: UnsafeRawBufferPointer, language: any SyntheticLanguage, name: String = "text") throws -> Result {
        var result = Result(nats: 0, bytes: text.count, documents: 0)
        var start = 0
        let marker = endOfText
        var i = 0
        while i + marker.count <= text.count {
            if text[i] == marker[0], (0..<marker.count).allSatisfy({ text[i + $0] == marker[$0] }) {
                do {
                    result.nats += try language.negativeLogLikelihood(ofDocument: UnsafeRawBufferPointer(rebasing: text[start..<i]))
                } catch let ScaleLabError.data(_, reason) {
                    throw ScaleLabError.data(path: name, reason: "document at byte \(start): \(reason)")
                }
                result.documents += 1
                i += marker.count; start = i
            } else { i += 1 }
        }
        guard start == text.count else { throw ScaleLabError.data(path: name, reason: "byte \(start): text does not end with <|endoftext|>") }
        return result
    }
}
