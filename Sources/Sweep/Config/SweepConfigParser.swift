import Foundation
import Support
import Training
import Yams

extension SweepConfig {
    static let topLevelKeys = ["name", "base", "grid", "family", "tokens", "tokens_per_param", "isoflop", "vocab",
                               "wsd_branches", "lr", "batch_size", "validation", "slurm", "study"]

    /// Reads a sweep file and applies `--set` overrides (`base.training.lr=3e-3`, `grid.seed=[1,2,3]`).
    public static func load(path: String, overrides: [String] = []) throws -> SweepConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScaleLabError.io(path: path, reason: "cannot read the sweep config (missing or unreadable)")
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), source: path, overrides: overrides)
    }

    public static func parse(yaml text: String, source: String, overrides: [String] = []) throws -> SweepConfig {
        var root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ScaleLabError.config(file: source, key: "(document)", reason: "the file is empty") }
            root = node
        } catch let e as ScaleLabError { throw e } catch {
            throw ScaleLabError.config(file: source, key: "(document)", reason: "not valid YAML: \(error)")
        }
        for override in overrides { root = try applying(override, to: root) }
        return try SweepConfig(ConfigNode(node: root, file: source, path: ""))
    }

    /// `grid.<dotted run key>` names one grid axis; elsewhere dots descend into mappings.
    static func applying(_ override: String, to root: Node) throws -> Node {
        guard let eq = override.firstIndex(of: "="), eq != override.startIndex else {
            throw ScaleLabError.invalid("--set \(override): expected key=value, e.g. base.training.lr=3e-3 or grid.seed=[1,2,3]")
        }
        let key = String(override[..<eq]), valueText = String(override[override.index(after: eq)...])
        let value: Node
        do { value = try Yams.compose(yaml: valueText) ?? Node("") } catch {
            throw ScaleLabError.invalid("--set \(key): the value '\(valueText)' is not valid YAML")
        }
        var path = key.split(separator: ".").map(String.init)
        if path.first == "grid", path.count > 2 { path = ["grid", path.dropFirst().joined(separator: ".")] }
        guard let head = path.first, topLevelKeys.contains(head) else {
            let hint = Suggestion.nearest(to: path.first ?? "", in: topLevelKeys).map { " (did you mean '\($0)'?)" } ?? ""
            throw ScaleLabError.invalid("--set \(key): '\(path.first ?? "")' is not a sweep key\(hint); expected one of: \(topLevelKeys.joined(separator: ", "))")
        }
        return try setting(root, path: path[...], to: value, fullKey: key)
    }

    static func setting(_ node: Node, path: ArraySlice<String>, to value: Node, fullKey: String) throws -> Node {
        guard let head = path.first else { return value }
        guard case var .mapping(mapping) = node else {
            throw ScaleLabError.invalid("--set \(fullKey): '\(head)' is inside a value that is not a mapping")
        }
        let child = mapping[head] ?? Node.mapping(Node.Mapping([]))
        mapping[head] = try setting(child, path: path.dropFirst(), to: value, fullKey: fullKey)
        return .mapping(mapping)
    }

    init(_ root: ConfigNode) throws {
        let keys = try root.requireKeys(Self.topLevelKeys)
        source = root.file
        guard let nameNode = keys["name"] else { throw root.error("required key is missing", key: "name") }
        name = try nameNode.string()
        if let problem = PathComponent.problem(name) { throw nameNode.error(problem) }
        guard let baseNode = keys["base"] else { throw root.error("required key is missing: the base run config (model, data, training)", key: "base") }
        var baseMapping = baseNode.node
        // The base's `name` is the sweep's; runs get their own names.
        if case var .mapping(m) = baseMapping, m["name"] == nil { m["name"] = Node(name); baseMapping = .mapping(m) }
        base = baseMapping
        locations["base"] = baseNode.location
        // Checked now, so an error in the base names the base, not the first run.
        let decodedBase = try Self.decodeRunConfig(base, file: baseNode.location, keyPrefix: "base")

        grid = []
        if let g = keys["grid"] {
            let known = Self.knownRunKeys(decodedBase)
            for (key, values, line) in try g.entries() {
                let loc = line.map { "\(g.file):\($0)" } ?? g.file
                let list = try values.itemsOrOne().map(\.node)
                guard !list.isEmpty else { throw ScaleLabError.config(file: loc, key: "grid.\(key)", reason: "the list of values is empty") }
                guard known.contains(key) else {
                    let hint = Suggestion.nearest(to: key, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                    throw ScaleLabError.config(file: loc, key: "grid.\(key)", reason: "the run config has no key '\(key)'\(hint)")
                }
                // Each value must give a valid run config on its own.
                for (i, v) in list.enumerated() {
                    let node = try Self.setting(base, path: key.split(separator: ".").map(String.init)[...], to: v, fullKey: key)
                    _ = try Self.decodeRunConfig(node, file: loc, keyPrefix: "grid.\(key)[\(i)]")
                }
                grid.append((key, list, loc))
            }
        }

        family = try keys["family"].map(Self.parseFamily)
        if let f = family, grid.contains(where: { ["model.d_model", "model.n_layer", "model.n_head"].contains($0.key) }) {
            _ = f
            throw (keys["family"]!).error("a family rule sets d_model, n_layer and n_head; do not also put them in the grid")
        }

        length = nil
        if let t = keys["tokens"] {
            length = .tokens(try t.itemsOrOne().map { try $0.positiveInt() })
        }
        if let t = keys["tokens_per_param"] {
            guard length == nil else { throw t.error("give either tokens or tokens_per_param, not both") }
            if case .mapping = t.node {
                let m = try t.requireKeys(["values", "params"])
                guard let values = m["values"] else { throw t.error("required key is missing", key: "tokens_per_param.values") }
                let params = try m["params"].map { try Self.choice(ParamCount.self, $0) } ?? .total
                length = .tokensPerParam(try values.itemsOrOne().map { try $0.positiveDouble() }, params: params)
            } else {
                length = .tokensPerParam(try t.itemsOrOne().map { try $0.positiveDouble() }, params: .total)
            }
        }
        isoflop = nil
        if let i = keys["isoflop"] {
            guard length == nil else { throw i.error("an IsoFLOP plan derives each run's tokens from its budget; remove tokens/tokens_per_param") }
            isoflop = try Self.parseIsoFLOP(i)
        }
        if let v = keys["vocab"] {
            let sizes = try v.itemsOrOne().map { try $0.positiveInt() }
            if decodedBase.data.corpus != nil, decodedBase.data.tokenizer != .bpe, sizes != [256] {
                throw v.error("a vocabulary axis trains one BPE tokenizer per size: set base.data.tokenizer: bpe (it is \(decodedBase.data.tokenizer))")
            }
            if decodedBase.data.tokenizer == .bpe, let i = sizes.firstIndex(where: { $0 < 257 }) {
                throw (try v.itemsOrOne())[i].error("a BPE vocabulary holds the 256 bytes and at least one special token: use ≥ 257 (bytes alone: tokenizer: bytes)")
            }
            if decodedBase.data.corpus == nil, sizes.contains(where: { $0 < 256 }) {
                throw v.error("text and token-file data need vocab_size ≥ 256")
            }
            vocab = sizes
        }
        wsdBranches = try keys["wsd_branches"]?.bool() ?? false
        if wsdBranches {
            guard decodedBase.training.schedule.hasDecayPhase else {
                throw keys["wsd_branches"]!.error("branching needs a schedule whose stable phase does not depend on the run length: set base.training.schedule.kind to wsd or power (it is \(decodedBase.training.schedule.kind.rawValue))")
            }
        }
        lr = try keys["lr"].map(Self.parseLR)
        batchSize = try keys["batch_size"].map { node in
            let m = try node.requireKeys(["power_law"])
            guard let p = m["power_law"] else { throw node.error("give power_law: {anchor_params, anchor_batch, exponent}") }
            let k = try p.requireKeys(["anchor_params", "anchor_batch", "exponent", "params"])
            func need(_ key: String) throws -> ConfigNode {
                guard let v = k[key] else { throw p.error("required key is missing", key: "batch_size.power_law.\(key)") }
                return v
            }
            return BatchRule(anchorParams: try need("anchor_params").positiveDouble(), anchorBatch: try need("anchor_batch").positiveDouble(),
                             exponent: try need("exponent").double(),
                             params: try k["params"].map { try Self.choice(ParamCount.self, $0) } ?? .nonEmbedding)
        }
        validationPoints = Self.defaultValidationPoints
        if let v = keys["validation"] {
            let m = try v.requireKeys(["points"])
            if let p = m["points"] {
                validationPoints = try p.int()
                guard validationPoints >= 0 else { throw p.error("must be ≥ 0 (0 keeps base.training.eval_interval)") }
            }
        }
        slurm = SlurmSettings()
        if let s = keys["slurm"] {
            let m = try s.requireKeys(["partition", "time", "cpus_per_task", "mem_mib"])
            slurm.partition = try m["partition"]?.string()
            slurm.time = try m["time"]?.string()
            slurm.cpusPerTask = try m["cpus_per_task"]?.positiveInt()
            slurm.memoryMiB = try m["mem_mib"]?.positiveInt()
        }
        study = try keys["study"].map(Self.parseStudy)
        for (k, v) in keys { locations[k] = v.location }
    }

    /// The base run config, decoded (as every run starts from it).
    public func decodedBase() throws -> RunConfig {
        try Self.decodeRunConfig(base, file: location("base"), keyPrefix: "base")
    }

    static func parseStudy(_ node: ConfigNode) throws -> StudySettings {
        let m = try node.requireKeys(["title", "expected_minutes", "laws", "bootstrap", "compare_floor", "parameter_counts", "loss"])
        func need(_ key: String) throws -> ConfigNode {
            guard let v = m[key] else { throw node.error("required key is missing", key: "study.\(key)") }
            return v
        }
        // No laws is a study too (a first model, a tokenizer comparison): the report shows the runs.
        let laws = try m["laws"]?.itemsOrOne() ?? []
        var s = StudySettings(title: try need("title").string(), expectedMinutes: try need("expected_minutes").positiveDouble(),
                              laws: try laws.map { try $0.string() }, lawLocations: laws.map(\.location))
        if let b = m["bootstrap"] {
            s.bootstrap = try b.int()
            guard s.bootstrap >= 0, s.bootstrap <= 10_000 else { throw b.error("must be between 0 and 10000") }
        }
        s.compareFloor = try m["compare_floor"]?.bool() ?? false
        if let p = m["parameter_counts"] {
            s.parameterCounts = try p.itemsOrOne().map { try choice(ParamCount.self, $0) }
            guard !s.parameterCounts.isEmpty, Set(s.parameterCounts).count == s.parameterCounts.count else {
                throw p.error("list each parameter count once: total, non_embedding")
            }
        }
        if let l = m["loss"] { s.loss = try choice(StudyLoss.self, l) }
        return s
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ node: ConfigNode) throws -> T where T.RawValue == String {
        let s = try node.string()
        guard let v = T(rawValue: s) else {
            let all = T.allCases.map(\.rawValue)
            let hint = Suggestion.nearest(to: s, in: all).map { " (did you mean '\($0)'?)" } ?? ""
            throw node.error("'\(s)' is not one of: \(all.joined(separator: ", "))\(hint)")
        }
        return v
    }

    static func parseFamily(_ node: ConfigNode) throws -> FamilyRule {
        let m = try node.requireKeys(["d_model", "params_non_embedding", "aspect_ratio", "n_layer", "head_size"])
        let sizes: FamilyRule.Sizes
        var locations: [String] = []
        switch (m["d_model"], m["params_non_embedding"]) {
        case let (d?, nil):
            let items = try d.itemsOrOne()
            sizes = .dModel(try items.map { try $0.positiveInt() }); locations = items.map { "\($0.location) \($0.path)" }
        case let (nil, p?):
            let items = try p.itemsOrOne()
            sizes = .paramsNonEmbedding(try items.map { try $0.positiveDouble() }); locations = items.map { "\($0.location) \($0.path)" }
        case (.some, .some): throw node.error("give either d_model or params_non_embedding, not both")
        case (nil, nil): throw node.error("give the sizes: d_model: [..] or params_non_embedding: [..]")
        }
        guard let head = m["head_size"] else { throw node.error("required key is missing (n_head = d_model / head_size)", key: "family.head_size") }
        let aspect = try m["aspect_ratio"].map { try $0.positiveDouble() }
        let layers = try m["n_layer"].map { try $0.positiveInt() }
        guard (aspect == nil) != (layers == nil) else {
            throw node.error("give exactly one of aspect_ratio (n_layer = d_model / aspect_ratio) or n_layer")
        }
        return FamilyRule(sizes: sizes, aspectRatio: aspect, nLayer: layers, headSize: try head.positiveInt(), locations: locations)
    }

    static func parseIsoFLOP(_ node: ConfigNode) throws -> IsoFLOPAxis {
        let m = try node.requireKeys(["budgets", "convention", "span", "tokens_per_param", "min_steps"])
        guard let b = m["budgets"] else { throw node.error("required key is missing", key: "isoflop.budgets") }
        guard let c = m["convention"] else {
            throw node.error("required key is missing: name the FLOP convention (6N, 6N_non_embedding or full)", key: "isoflop.convention")
        }
        var budgets: [Double] = [], widths: [Double: [Int]] = [:]
        for item in try b.itemsOrOne() {
            guard case .mapping = item.node else { budgets.append(try item.positiveDouble()); continue }
            let k = try item.requireKeys(["compute", "d_model"])
            guard let compute = k["compute"], let d = k["d_model"] else {
                throw item.error("a budget written as a mapping needs compute: FLOPs and d_model: [widths to train at it]")
            }
            let c = try compute.positiveDouble()
            budgets.append(c)
            widths[c] = try d.itemsOrOne().map { try $0.positiveInt() }
        }
        if let twice = budgets.first(where: { c in budgets.filter { $0 == c }.count > 1 }) {
            throw b.error("budget \(twice) is listed twice")
        }
        var axis = IsoFLOPAxis(budgets: budgets, convention: try choice(FlopConvention.self, c))
        axis.dModelsAtBudget = widths
        axis.span = try m["span"].map { n in
            let s = try n.double()
            guard s > 1 else { throw n.error("a span is a factor around the expected optimum and must exceed 1, got \(s)") }
            return s
        }
        axis.centerTokensPerParam = try m["tokens_per_param"]?.positiveDouble() ?? axis.centerTokensPerParam
        axis.minSteps = try m["min_steps"]?.positiveInt() ?? axis.minSteps
        return axis
    }

    static func parseLR(_ node: ConfigNode) throws -> LRRule {
        let m = try node.requireKeys(["power_law", "tune"])
        switch (m["power_law"], m["tune"]) {
        case let (p?, nil):
            let k = try p.requireKeys(["anchor_params", "anchor_lr", "exponent", "params"])
            func need(_ key: String) throws -> ConfigNode {
                guard let v = k[key] else { throw p.error("required key is missing", key: "lr.power_law.\(key)") }
                return v
            }
            return .powerLaw(anchorParams: try need("anchor_params").positiveDouble(), anchorLR: try need("anchor_lr").positiveDouble(),
                             exponent: try need("exponent").double(),
                             params: try k["params"].map { try choice(ParamCount.self, $0) } ?? .nonEmbedding)
        case let (nil, t?):
            let k = try t.requireKeys(["rates", "tokens_per_param", "tokens"])
            guard let r = k["rates"] else { throw t.error("required key is missing", key: "lr.tune.rates") }
            let rates = try r.itemsOrOne().map { try $0.positiveDouble() }
            guard rates.count >= 2 else { throw r.error("tuning needs at least two rates") }
            let tpp = try k["tokens_per_param"]?.positiveDouble(), tokens = try k["tokens"]?.positiveInt()
            guard (tpp == nil) != (tokens == nil) else { throw t.error("give the length of each tuning run: tokens or tokens_per_param") }
            return .tune(rates: rates, tokensPerParam: tpp, tokens: tokens)
        default:
            throw node.error("give one of power_law: {anchor_params, anchor_lr, exponent} or tune: {rates, tokens_per_param}")
        }
    }

    /// Decodes and validates a run config, turning errors into ones that name where it came from.
    static func decodeRunConfig(_ node: Node, file: String, keyPrefix: String) throws -> RunConfig {
        let config: RunConfig
        do { config = try YAMLDecoder().decode(RunConfig.self, from: node) } catch let e as DecodingError {
            let (key, reason) = e.keyPathAndReason
            throw ScaleLabError.config(file: file, key: "\(keyPrefix).\(key)", reason: reason)
        }
        do { try config.validate() } catch let ScaleLabError.invalidValue(key, reason) {
            throw ScaleLabError.config(file: file, key: "\(keyPrefix) → \(key)", reason: reason)
        }
        return config
    }

    /// Dotted keys a grid may sweep: every leaf of the resolved base, and the optional data keys.
    static func knownRunKeys(_ config: RunConfig) -> [String] {
        var keys = Set(ConfigValues.flatten(config).keys)
        for k in ["data.corpus", "data.text", "data.tokenizer", "data.train_tokens", "data.val_tokens", "data.unique_tokens"] { keys.insert(k) }
        return keys.sorted()
    }
}
