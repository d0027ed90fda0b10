import Foundation
@testable import Tokenizer

/// vocab.json, a NUL byte, then merges.txt; a loaded tokenizer then encodes and decodes a short text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVocabMerges(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let parts = FuzzInput.parts(FuzzInput.data(bytes, size), count: 2)
    guard let tokenizer = try? BPETokenizer.parseGPT2(vocab: parts[0], vocabSource: URL(fileURLWithPath: "/fuzz/vocab.json"),
                                                      merges: parts[1], mergesSource: URL(fileURLWithPath: "/fuzz/merges.txt")) else { return 0 }
    exercise(tokenizer)
    return 0
}
