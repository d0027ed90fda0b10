import Foundation
@testable import Training
import Model

/// A YAML run config followed by `--set key=value` overrides, separated by NUL bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let parts = FuzzInput.parts(FuzzInput.data(bytes, size), count: 4)
    let yaml = String(decoding: parts[0], as: UTF8.self)
    let overrides = parts.dropFirst().map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
    guard let config = try? RunConfig.parse(yaml: yaml, source: "fuzz.yaml", overrides: overrides) else { return 0 }
    // What a valid config feeds: its sizes, memory figure, schedule and resolved YAML.
    _ = try? config.checkFitsMemory(limit: 1 << 30)
    _ = config.tokensPerStep
    if (try? config.checkFitsMemory(limit: 1 << 26)) != nil { _ = ParameterLayout(config.model).count }
    let schedule = config.makeSchedule()
    for step in [0, 1, config.training.steps / 2, config.training.steps - 1, config.training.steps] {
        _ = schedule.learningRate(step: step)
    }
    if let text = try? config.yaml() { _ = try? RunConfig.parse(yaml: text, source: "resolved.yaml") }
    return 0
}
