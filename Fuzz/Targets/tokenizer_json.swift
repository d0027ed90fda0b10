import Foundation
@testable import Tokenizer

/// A Hugging Face tokenizer.json; a loaded tokenizer then encodes and decodes a short text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let data = FuzzInput.data(bytes, size)
    guard let tokenizer = try? BPETokenizer.parseHuggingFace(data, source: URL(fileURLWithPath: "/fuzz/tokenizer.json")) else { return 0 }
    exercise(tokenizer)
    return 0
}
