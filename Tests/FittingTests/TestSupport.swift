import Foundation
import Support
@testable import Fitting

/// `../shared` relative to the package root (derived from this file's path).
enum SharedReference {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let chinchillaCSV = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/chinchilla/svg_extracted_data.csv").path
    static var available: Bool { FileManager.default.fileExists(atPath: chinchillaCSV) }
}

/// A fresh temporary directory per call.
func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fitting-tests-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes rows as a CSV file and returns its path.
func writeCSV(_ dir: URL, _ name: String, header: [String], rows: [[Double]]) throws -> String {
    var text = header.joined(separator: ",") + "\n"
    for r in rows { text += r.map { String($0) }.joined(separator: ",") + "\n" }
    let url = dir.appendingPathComponent(name)
    try AtomicFile.write(text, to: url)
    return url.path
}

func obs(_ values: [Quantity: Double], run: String) -> Observation {
    var o = Observation(run: run, source: "test:\(run)", values: values)
    o.deriveComputeOrTokens()
    return o
}

/// Uniform draw in [lo, hi).
extension SeededRandom {
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * nextDouble() }
    mutating func logUniform(_ lo: Double, _ hi: Double) -> Double { Foundation.exp(uniform(Foundation.log(lo), Foundation.log(hi))) }
}

func relErr(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }
