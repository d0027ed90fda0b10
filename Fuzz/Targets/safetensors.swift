import Foundation
@testable import Training

/// A checkpoint file. The content hash is not checked (a fuzzer cannot forge FNV-1a over its own
/// mutations) so that the checks behind it are reached; everything else is read as `train` does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let data = FuzzInput.data(bytes, size)
    guard let file = try? Safetensors.decode(data, source: "fuzz.safetensors", requireHash: false, verifyHash: false) else { return 0 }
    for name in file.tensors.keys { _ = file.floats(name) }
    let url = URL(fileURLWithPath: "/fuzz/checkpoints/step-00000001.safetensors")
    guard let checkpoint = try? Checkpoint.decode(data, url: url, verifyHash: false) else { return 0 }
    // Loading is what trusts the tensors: only for models small enough to build here.
    if (try? checkpoint.config.checkFitsMemory(limit: 1 << 26)) != nil, let model = try? checkpoint.loadModel(threads: 1) {
        _ = try? checkpoint.checkResumable(by: checkpoint.config)
        _ = model.layout.count
    }
    return 0
}
