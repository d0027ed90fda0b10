import Foundation
@testable import Fitting

/// A fit file as `scalelab predict` reads it, asked every kind of query.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFitJSON(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = FuzzInput.file("fit.json", FuzzInput.data(bytes, size))
    var loss = PredictionQuery(); loss.params = 1e8; loss.tokens = 2e9; loss.uniqueTokens = 1e9
    var compute = PredictionQuery(); compute.compute = 1e20; compute.params = 1e8; compute.width = 512
    var vocab = PredictionQuery(); vocab.params = 1e8; vocab.tokens = 2e9; vocab.vocabulary = 32000; vocab.width = 512
    for query in [loss, compute, vocab] { _ = try? Prediction.predict(fitFile: url.path, query: query) }
    return 0
}
