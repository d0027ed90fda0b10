import Foundation
import Testing
@testable import Sweep

/// The `scalelab` executable built beside the test bundle (`swift build -c release` first).
let scalelab: URL? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("scalelab")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}()

struct SweepTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func scratch(_ tag: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-sweep-\(tag)-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small text corpus of pseudo-random words (deterministic), read as bytes by the runs.
func wordsFile(in dir: URL) throws -> URL {
    let words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa", "lam", "mu", "nu", "xi", "omicron", "pi"]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var text = ""
    text.reserveCapacity(200_000)
    for i in 0..<40_000 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        text += words[Int(state >> 60)]
        text += i % 12 == 11 ? ".\n" : " "
    }
    let url = dir.appendingPathComponent("words.txt")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// Two sizes × two lengths branched from one WSD trunk per size: 4 rows, 2 trunks, ~1.5 s.
func tinySweepYAML(name: String, text: URL, extra: String = "") -> String {
    """
    name: \(name)
    base:
      seed: 1
      model: {d_model: 16, n_layer: 1, n_head: 2, context: 32}
      data: {text: \(text.path)}
      training: {batch_size: 8, lr: 1.0e-2, schedule: {kind: wsd, warmup_steps: 5, decay_fraction: 0.25}, eval_batches: 2, checkpoint_interval: 25}
    family: {d_model: [16, 32], head_size: 8, aspect_ratio: 16}
    tokens: [25600, 51200]
    wsd_branches: true
    validation: {points: 10}
    \(extra)
    """
}

struct ProcessResult { let status: Int32; let stdout: String; let stderr: String }

func runScalelab(_ arguments: [String], in directory: URL? = nil) throws -> ProcessResult {
    guard let executable = scalelab else { throw SweepTestError("build the scalelab executable first (swift build -c release)") }
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    // Read both pipes concurrently so a full stderr pipe never blocks the child.
    let errData = UnsafeBox(Data())
    let reader = Thread { errData.value = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    while !reader.isFinished { Thread.sleep(forTimeInterval: 0.005) }
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: errData.value, as: UTF8.self))
}

final class UnsafeBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// results.csv as rows keyed by column, without the columns that differ between executions.
func comparableResults(_ url: URL) throws -> [[String: String]] {
    let text = try String(contentsOf: url, encoding: .utf8)
    let rows = CSV.parse(text)
    guard let header = rows.first else { throw SweepTestError("\(url.path) is empty") }
    return rows.dropFirst().map { cells in
        var row: [String: String] = [:]
        for (i, name) in header.enumerated() where !ResultsTable.timingColumns.contains(name) {
            row[name] = i < cells.count ? cells[i] : ""
        }
        return row
    }.sorted { ($0["run_id"] ?? "") < ($1["run_id"] ?? "") }
}
