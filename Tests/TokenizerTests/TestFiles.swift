import Foundation

/// A fresh temporary directory per test, removed by the caller's `defer`.
func makeTemporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-tok-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Names of the files in a directory (hidden ones included, so leftover temporaries show up).
func fileNames(_ dir: URL) -> Set<String> {
    Set((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
}
