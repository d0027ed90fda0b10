import ArgumentParser
import Foundation
import Support
import Inference
import Training

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained run for Hugging Face transformers (GPT2LMHeadModel or LlamaForCausalLM).",
        discussion: """
        Writes config.json and model.safetensors (and the run's tokenizer.json when it has one) from \
        the run's newest checkpoint, plus scalelab_eval.json and scalelab_eval_tokens.bin: ScaleLab's \
        validation loss and the windows it was measured on, which scripts/check_hf_export.py \
        recomputes in PyTorch.
        """)

    @Argument(help: "The run directory (holding checkpoints/).")
    var runDirectory: String

    @Option(help: "Export format (only 'hf').")
    var format = "hf"

    @Option(help: "Output directory.")
    var out: String

    @Flag(help: "Replace an existing export in --out.")
    var force = false

    func validate() throws {
        if format != "hf" { throw ValidationError("--format: only 'hf' (Hugging Face transformers) is supported, got '\(format)'") }
    }

    func run() throws {
        let r = try HuggingFaceExport.export(runDirectory: URL(fileURLWithPath: runDirectory), to: URL(fileURLWithPath: out),
                                             overwrite: force) { log.warning("\($0)") }
        print("exported step \(r.step) as \(r.architecture) to \(out)/ (\(r.files.joined(separator: ", ")))")
        if let loss = r.validationLoss { print(String(format: "ScaleLab validation loss on the exported windows: %.6f", loss)) }
    }
}
