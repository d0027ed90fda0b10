import Foundation

/// A fresh directory under the system temp dir, removed by the caller's `defer`.
func makeTemporaryDirectory(_ label: String = "corpora") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-\(label)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The package root, derived from this file's path (Tests/ShardsTests/TestSupport.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func write(_ text: String, to url: URL) {
    try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try! Data(text.utf8).write(to: url)
}

func errorText(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}
