import Foundation
@testable import Shards

/// A token file's sidecar JSON, a NUL byte, then the token file's bytes; opened as `train` opens
/// its data, then sampled.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenFile(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let parts = FuzzInput.parts(FuzzInput.data(bytes, size), count: 2)
    let tokens = FuzzInput.file("train.bin", parts[1])
    _ = FuzzInput.file("train.bin.json", parts[0])
    guard let shard = try? TokenShard(path: tokens.path) else { return 0 }
    _ = shard.unigramEntropyNats()
    if let loader = try? BatchLoader(shard: shard, batchSize: 2, contextLength: 4, seed: 1, order: .random) {
        var inputs = [Int32](repeating: 0, count: 8), targets = inputs
        for _ in 0..<3 { loader.next(inputs: &inputs, targets: &targets) }
    }
    return 0
}
