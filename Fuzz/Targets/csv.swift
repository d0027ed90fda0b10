import Foundation
@testable import Fitting

/// A CSV table as `scalelab fit` reads it, for final values and for curves.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = FuzzInput.file("runs.csv", FuzzInput.data(bytes, size))
    for shape in [DataShape.finalValues, .curves] {
        _ = try? ObservationLoader.load(path: url.path, selection: DataSelection(dropHighestLoss: 1), shape: shape)
    }
    return 0
}
