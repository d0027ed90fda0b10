import Foundation
import Shards
import Support
import Testing
import Training

@Suite struct ConfigTests {
    let base = """
        name: t
        model: {d_model: 32, n_layer: 1, n_head: 4, context: 16}
        data: {text: /tmp/x.txt}
        training: {steps: 10}
        """

    func expectConfigError(_ yaml: String, key: String, overrides: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try RunConfig.parse(yaml: yaml, source: "bad.yaml", overrides: overrides)
            Issue.record("expected an error naming \(key)", sourceLocation: sourceLocation)
        } catch let ScaleLabError.config(file, k, _) {
            // A key set by --set is blamed on the flag, not on the file.
            let blamed = overrides.first { $0.hasPrefix(key + "=") || key.hasPrefix(String($0.prefix { $0 != "=" }) + ".") }
            #expect(file == (blamed.map { "--set \($0)" } ?? "bad.yaml"), sourceLocation: sourceLocation)
            #expect(k == key, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func defaultsAndPresetResolve() throws {
        let c = try RunConfig.parse(yaml: base, source: "ok.yaml")
        #expect(c.model.norm == .layernorm && c.model.tieEmbeddings && c.model.vocabSize == 256)
        #expect(c.training.schedule.kind == .cosine)
        let llama = try RunConfig.parse(yaml: base, source: "ok.yaml", overrides: ["model.preset=llama", "model.bias=true"])
        #expect(llama.model.norm == .rmsnorm && llama.model.position == .rope && !llama.model.tieEmbeddings)
        #expect(llama.model.bias)  // an explicit key overrides the preset
    }

    @Test func overridesParseAsYAML() throws {
        let c = try RunConfig.parse(yaml: base, source: "ok.yaml",
                                    overrides: ["model.d_model=64", "training.schedule={kind: constant, warmup_steps: 2}", "training.lr=0.01"])
        #expect(c.model.dModel == 64)
        #expect(c.training.schedule.kind == .constant && c.training.schedule.warmupSteps == 2)
        #expect(c.training.lr == 0.01)
    }

    @Test func unknownKeyIsNamed() {
        expectConfigError(base.replacingOccurrences(of: "n_layer", with: "n_laeyr"), key: "model.n_laeyr")
        expectConfigError(base, key: "training.stpes", overrides: ["training.stpes=5"])
    }

    @Test func wrongTypeIsNamed() {
        expectConfigError(base.replacingOccurrences(of: "n_head: 4", with: "n_head: four"), key: "model.n_head")
    }

    @Test func indivisibleHeadsAreNamed() {
        expectConfigError(base.replacingOccurrences(of: "n_head: 4", with: "n_head: 5"), key: "model.d_model")
    }

    @Test func missingRequiredKeyIsNamed() {
        expectConfigError(base.replacingOccurrences(of: "d_model: 32, ", with: ""), key: "model.d_model")
    }

    @Test func badValuesAreNamed() {
        expectConfigError(base, key: "training.lr", overrides: ["training.lr=-1"])
        expectConfigError(base, key: "training.schedule.warmup_steps", overrides: ["training.schedule={warmup_steps: 10}"])
    }
}

@Suite struct RunDataTests {
    func write(_ bytes: [UInt8]) throws -> String {
        let url = temporaryDirectory("tok").appendingPathComponent("t.bin")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func uint16RoundTripAndSplit() throws {
        let ids: [UInt16] = (0..<500).map { UInt16($0 * 3 % 1000) }
        var bytes: [UInt8] = []
        for id in ids { bytes.append(UInt8(id & 0xFF)); bytes.append(UInt8(id >> 8)) }
        let path = try write(bytes)
        let read = try RunData.readTokens(path, vocabSize: 1000)
        #expect(read.ids() == ids.map { UInt32($0) })
        let data = try RunData.load(DataConfig(trainTokens: path, valFraction: 0.2), vocabSize: 1000, context: 16)
        #expect(data.train.count == 400 && data.validation.count == 100)
        #expect(data.validation[0] == Int32(ids[400]) && data.train[399] == Int32(ids[399]))
    }

    @Test func uint32WhenVocabExceeds65536() throws {
        let path = try write([0x01, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0x00, 0x00])
        #expect(try RunData.readTokens(path, vocabSize: 70_000).ids() == [65_537, 65_535])
    }

    @Test func tokenIdOutOfRangeNamesFileAndOffset() throws {
        let path = try write([1, 0, 2, 0, 0x10, 0x27])  // 1, 2, 10000
        #expect(throws: ScaleLabError.data(path: path, reason: "byte offset 4: token id 10000 is not below vocab_size 512")) {
            try RunData.readTokens(path, vocabSize: 512)
        }
    }

    @Test func missingEmptyAndTooSmallFilesAreNamed() throws {
        #expect(throws: ScaleLabError.data(path: "/nonexistent/x.txt", reason: "no such file")) {
            try RunData.load(DataConfig(text: ["/nonexistent/x.txt"]), vocabSize: 256, context: 8)
        }
        let empty = try write([])
        #expect(throws: ScaleLabError.data(path: empty, reason: "the file is empty")) {
            try RunData.load(DataConfig(text: [empty]), vocabSize: 256, context: 8)
        }
        let small = try write(Array(repeating: 65, count: 40))
        #expect(throws: ScaleLabError.self) { try RunData.load(DataConfig(text: [small]), vocabSize: 256, context: 8) }
    }
}

@Suite struct BuiltinConfigTests {
    @Test func builtinConfigsAreTheFilesInConfigs() throws {
        let dir = packageRoot.appendingPathComponent("configs")
        // quickstart.yaml is a study (StudiesTests checks it), not a run config.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") && $0 != "quickstart.yaml" }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(BuiltinRunConfigs.files.keys),
                "run scripts/embed-builtins.sh after adding or removing a config")
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            #expect(BuiltinRunConfigs.files[String(f.dropLast(5))] == text, "\(f) differs from its built-in copy: run scripts/embed-builtins.sh")
            _ = try RunConfig.parse(yaml: text, source: f)
        }
        #expect(try RunConfig.load(path: "/nonexistent/configs/tiny.yaml").name == "tiny")
    }
}
