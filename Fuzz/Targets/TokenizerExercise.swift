import Foundation
@testable import Tokenizer

/// What a loaded tokenizer is used for: encoding text (special tokens included), decoding, saving.
func exercise(_ tokenizer: BPETokenizer) {
    let text = "Hello, world! <|endoftext|> 12 ab  \n\té😀"
    let ids = tokenizer.encodeText(text)
    _ = try? tokenizer.decodeText(ids)
    let dir = FuzzInput.scratch.appendingPathComponent("saved")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try? tokenizer.save(to: dir)
}
