import Foundation
import Support

/// Runs an external tool (pip, tar) and turns failure into an error that quotes its output.
enum ProcessRunner {
    static func run(_ arguments: [String], what: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch {
            throw ScaleLabError.invalid("\(what): cannot start '\(arguments.joined(separator: " "))': \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(8).joined(separator: "\n")
            throw ScaleLabError.invalid("\(what) failed (exit \(process.terminationStatus)) running '\(arguments.joined(separator: " "))':\n\(text)")
        }
    }
}
