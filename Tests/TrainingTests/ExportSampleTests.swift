import Foundation
import Inference
import Model
import Support
import Testing
import Training

@Suite(.serialized) struct ExportSampleTests {
    /// Trains a few steps so the parameters are not at their initial values.
    func trainedRun(preset: String) throws -> URL {
        let text = try realText()
        let config = try RunConfig.parse(yaml: """
            name: ex
            seed: 3
            threads: 2
            model: {preset: \(preset), d_model: 32, n_layer: 2, n_head: 2, context: 16}
            data: {text: \(text.path)}
            training: {batch_size: 4, steps: 6, eval_interval: 6, eval_batches: 2, log_interval: 2}
            """, source: "ex.yaml")
        let dir = temporaryDirectory("export-run")
        _ = try train(config: config, runDirectory: dir)
        return dir
    }

    @Test func gpt2ExportTransposesConv1DWeightsAndTiesTheHead() throws {
        let run = try trainedRun(preset: "gpt2")
        let out = temporaryDirectory("hf-gpt2")
        let r = try HuggingFaceExport.export(runDirectory: run, to: out)
        #expect(r.architecture == "GPT2LMHeadModel" && r.step == 6)
        let trained = try TrainedRun(directory: run)
        let file = try Safetensors.decode(Data(contentsOf: out.appendingPathComponent("model.safetensors")), source: "x", requireHash: false)
        #expect(file.metadata["format"] == "pt" && file.tensors["lm_head.weight"] == nil)
        let qkv = try #require(trained.model.layout.tensor(named: "layers.1.attn.qkv.weight"))   // (96, 32)
        let cAttn = try #require(file.floats("transformer.h.1.attn.c_attn.weight"))            // (32, 96)
        #expect(file.tensors["transformer.h.1.attn.c_attn.weight"]?.shape == [32, 96])
        for (o, i) in [(0, 0), (5, 7), (95, 31), (40, 3)] {
            #expect(cAttn[i * 96 + o] == trained.model.params[qkv.offset + o * 32 + i])
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(config["activation_function"] as? String == "gelu_new" && config["n_inner"] as? Int == 128)
        // ScaleLab's loss on the exported windows is the final validation loss of the run.
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: run.appendingPathComponent("summary.json")))
        #expect(r.validationLoss == summary.finalValLoss)
        let windows = try Data(contentsOf: out.appendingPathComponent("scalelab_eval_tokens.bin"))
        #expect(windows.count == 2 * 4 * 17 * 4)
    }

    @Test func llamaExportSplitsFusedProjections() throws {
        let run = try trainedRun(preset: "llama")
        let out = temporaryDirectory("hf-llama")
        let r = try HuggingFaceExport.export(runDirectory: run, to: out)
        #expect(r.architecture == "LlamaForCausalLM")
        let model = try TrainedRun(directory: run).model
        let file = try Safetensors.decode(Data(contentsOf: out.appendingPathComponent("model.safetensors")), source: "x", requireHash: false)
        let h = model.config.hidden, c = 32
        let fc = try #require(model.layout.tensor(named: "layers.0.mlp.fc.weight"))
        let qkv = try #require(model.layout.tensor(named: "layers.0.attn.qkv.weight"))
        let params = Array(model.params)
        #expect(file.floats("model.layers.0.mlp.gate_proj.weight") == Array(params[fc.offset..<(fc.offset + h * c)]))
        #expect(file.floats("model.layers.0.mlp.up_proj.weight") == Array(params[(fc.offset + h * c)..<(fc.offset + 2 * h * c)]))
        #expect(file.floats("model.layers.0.self_attn.v_proj.weight") == Array(params[(qkv.offset + 2 * c * c)..<(qkv.offset + 3 * c * c)]))
        #expect(file.tensors["lm_head.weight"]?.shape == [256, 32])
        // Every parameter is exported exactly once: the counts add up.
        let exported = file.tensors.values.reduce(0) { $0 + $1.range.count / 4 }
        #expect(exported == model.layout.count)
    }

    @Test func samplingIsCausalDeterministicAndSlides() throws {
        let run = try TrainedRun(directory: try trainedRun(preset: "llama"))
        let model = run.model, t = model.config.context, v = model.config.vocabSize
        // The logits at the last real position do not depend on what pads the window.
        func logits(prompt: [Int32], pad: Int32) -> [Float] {
            var w = [Int32](repeating: pad, count: t)
            for (i, id) in prompt.enumerated() { w[i] = id }
            _ = w.withUnsafeBufferPointer { model.forward(tokens: $0.baseAddress!, targets: nil, batch: 1) }
            return Array(model.lastLogits(batch: 1)[((prompt.count - 1) * v)..<(prompt.count * v)])
        }
        let prompt: [Int32] = [84, 104, 101, 32, 113]
        #expect(logits(prompt: prompt, pad: 0) == logits(prompt: prompt, pad: 200))
        // Greedy = the argmax of those logits; top-k 1 = greedy whatever the temperature.
        let greedy = try generate(model: model, prompt: prompt, count: 1, settings: .init(temperature: 0))
        let l = logits(prompt: prompt, pad: 0)
        #expect(Int(greedy[0]) == l.indices.max { l[$0] < l[$1] })
        let long = try generate(model: model, prompt: prompt, count: 3 * t, settings: .init(temperature: 0))
        #expect(try generate(model: model, prompt: prompt, count: 3 * t, settings: .init(temperature: 2, topK: 1, seed: 9)) == long)
        // Seeded sampling repeats; another seed differs.
        let a = try generate(model: model, prompt: prompt, count: 40, settings: .init(temperature: 1, seed: 1))
        #expect(a == (try generate(model: model, prompt: prompt, count: 40, settings: .init(temperature: 1, seed: 1))))
        #expect(a != (try generate(model: model, prompt: prompt, count: 40, settings: .init(temperature: 1, seed: 2))))
        let text = try run.sample(prompt: "The", tokens: 10, settings: .init(seed: 4))
        #expect(text.hasPrefix("The"))
    }
}
