import Foundation
import Model
import Support
import Training
import Yams

/// Expands a sweep config into runs: grid points × family sizes × vocabularies × lengths, with the
/// learning rate per size, dense enough validation, WSD trunks for branching groups, and ids.
public enum Planner {
    /// `lrChoices`: the rate each tuned size's search picked (from the tuning runs' results);
    /// runs of sizes without a choice are deferred.
    public static func plan(_ sweep: SweepConfig, lrChoices: [String: Double] = [:]) throws -> SweepPlan {
        var notes: [String] = []
        var budgetBest: [Double: (label: String, steps: Int)] = [:]
        var candidates: [(config: RunConfig, family: String, budget: Double?, requested: Double?, swept: [String: String])] = []
        var sweptKeys = sweep.grid.map(\.key)
        if sweep.family != nil { sweptKeys += ["model.d_model", "model.n_layer", "model.n_head"] }
        if sweep.vocab != nil { sweptKeys.append("model.vocab_size") }
        if sweep.length != nil || sweep.isoflop != nil { sweptKeys.append("training.steps") }
        if sweep.lr != nil, !sweptKeys.contains("training.lr") { sweptKeys.append("training.lr") }
        if sweep.batchSize != nil, !sweptKeys.contains("training.batch_size") { sweptKeys.append("training.batch_size") }

        for point in try gridPoints(sweep) {
            let members = try sweep.family?.members(base: point.model, file: sweep.location("family"))
                ?? [FamilyMember(label: "d\(point.model.dModel)-L\(point.model.nLayer)-H\(point.model.nHead)", model: point.model)]
            for member in members {
                for v in sweep.vocab ?? [member.model.vocabSize] {
                    var sized = point
                    sized.model = member.model
                    sized.model.vocabSize = v
                    let acc = ModelAccountingCache.shared.accounting(sized.model)
                    if let rule = sweep.batchSize {
                        sized.training.batchSize = rule.batchSize(nTotal: acc.nParamsTotal, nNonEmbedding: acc.nParamsNonEmbedding)
                    }
                    for length in try lengths(sweep, config: sized, accounting: acc, label: member.label, notes: &notes, budgetBest: &budgetBest) {
                        var c = sized
                        c.training.steps = length.steps
                        candidates.append((c, member.label, length.budget, length.requested, [:]))
                    }
                }
            }
        }
        if let iso = sweep.isoflop {
            for budget in iso.budgets where !candidates.contains(where: { $0.budget == budget }) {
                if let best = budgetBest[budget], best.steps < iso.minSteps {
                    throw ScaleLabError.config(file: sweep.location("isoflop"), key: "isoflop.budgets",
                                               reason: "budget \(sci(budget)) FLOPs (\(iso.convention.rawValue)) is too small for the smallest model: \(best.label) would train \(best.steps) steps, fewer than min_steps \(iso.minSteps)")
                }
                if let widths = iso.dModelsAtBudget[budget] {
                    throw ScaleLabError.config(file: sweep.location("isoflop"), key: "isoflop.budgets",
                                               reason: "budget \(sci(budget)) names d_model \(widths.map(String.init).joined(separator: ", ")), which no size of the sweep has")
                }
                throw ScaleLabError.config(file: sweep.location("isoflop"), key: "isoflop.budgets",
                                           reason: "no size of the family lies within the span \(iso.span.map { "\($0)×" } ?? "") of budget \(sci(budget))'s expected optimum")
            }
        }

        // Learning rate per size.
        var tuneRuns: [PlannedRun] = []
        var deferred: [DeferredRun] = []
        var resolved: [(config: RunConfig, family: String, budget: Double?, requested: Double?, tuneGroup: String?)] = []
        var tuneGroupsSeen = Set<String>()
        for cand in candidates {
            var c = cand.config
            var group: String?
            switch sweep.lr {
            case nil: break
            case let .powerLaw(anchorParams, anchorLR, exponent, params)?:
                let acc = ModelAccounting(c.model)
                let n = Double(params == .total ? acc.nParamsTotal : acc.nParamsNonEmbedding)
                c.training.lr = anchorLR * pow(n / anchorParams, exponent)
            case let .tune(rates, tokensPerParam, tokens)?:
                var key = c
                key.training.steps = 1; key.training.lr = 1
                let g = RunID.of(key, salt: "lr-tune-group")
                group = g
                if tuneGroupsSeen.insert(g).inserted {
                    let acc = ModelAccounting(c.model)
                    let d = tokens.map(Double.init) ?? (tokensPerParam ?? 1) * Double(acc.nParamsTotal)
                    let steps = max(1, Int((d / Double(c.tokensPerStep)).rounded()))
                    for rate in rates {
                        var t = c
                        t.training.lr = rate; t.training.steps = steps
                        t.name = "\(sweep.name)-\(cand.family)-lr\(short(rate))-tune"
                        try setValidation(&t, shortestSteps: steps, points: sweep.validationPoints)
                        try check(t, what: "the learning-rate search run of \(cand.family) at lr \(rate)", sweep: sweep)
                        tuneRuns.append(PlannedRun(id: RunID.of(t), role: .lrTune, config: t, family: cand.family, budget: nil,
                                                   budgetConvention: nil, requestedTokens: d, trunk: nil, branchStep: nil,
                                                   branchPoints: nil, tuneGroup: g, swept: [:]))
                    }
                }
                guard let chosen = lrChoices[g] else {
                    deferred.append(DeferredRun(tuneGroup: g, config: c, family: cand.family, budget: cand.budget,
                                                budgetConvention: sweep.isoflop?.convention.rawValue))
                    continue
                }
                c.training.lr = chosen
            }
            resolved.append((c, cand.family, cand.budget, cand.requested, group))
        }

        // WSD groups: runs equal but for their length share a trunk; validation spacing is the
        // group's, so trunk and branches log the same steps.
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (i, r) in resolved.enumerated() {
            var key = r.config
            key.training.steps = 1
            let k = sweep.wsdBranches ? RunID.of(key, salt: "wsd-group") : "\(i)"
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(i)
        }
        var runs: [PlannedRun] = []
        var seen = Set<String>()
        for k in order {
            let members = groups[k]!.sorted { resolved[$0].config.training.steps < resolved[$1].config.training.steps }
            let shortest = resolved[members[0]].config.training.steps
            var configs = members.map { resolved[$0].config }
            for j in configs.indices {
                configs[j].name = "\(sweep.name)-\(resolved[members[j]].family)-V\(configs[j].model.vocabSize)-D\(configs[j].training.steps * configs[j].tokensPerStep)" + gridLabel(configs[j], sweep)
                try setValidation(&configs[j], shortestSteps: shortest, points: sweep.validationPoints)
                try check(configs[j], what: "run \(configs[j].name)", sweep: sweep)
            }
            let distinctSteps = Set(configs.map(\.training.steps))
            var trunkID: String?
            var points: [Int] = []
            if sweep.wsdBranches && distinctSteps.count >= 2 {
                points = Array(Set(configs.map { WSDSweep.branchStep($0, steps: $0.training.steps) })).sorted()
                guard let first = points.first, first >= 1 else {
                    throw ScaleLabError.config(file: sweep.location("wsd_branches"), key: "wsd_branches",
                                               reason: "run \(configs[0].name) is too short to branch: its decay would start at step 0")
                }
                var trunk = configs.last!
                trunk.name = "\(sweep.name)-\(resolved[members.last!].family)-V\(trunk.model.vocabSize)" + gridLabel(trunk, sweep) + "-trunk"
                // The trunk's id leaves out its length, so adding a longer run extends the same trunk.
                var identity = trunk
                identity.training.steps = 1
                let id = RunID.of(identity, salt: "trunk")
                trunkID = id
                if seen.insert(id).inserted {
                    runs.append(PlannedRun(id: id, role: .trunk, config: trunk, family: resolved[members.last!].family, budget: nil,
                                           budgetConvention: nil, requestedTokens: nil, trunk: nil, branchStep: nil,
                                           branchPoints: points, tuneGroup: nil, swept: [:]))
                }
            }
            for (j, m) in members.enumerated() {
                let c = configs[j], r = resolved[m]
                let id = RunID.of(c)
                guard seen.insert(id).inserted else {
                    notes.append("\(c.name): the same run as another point of the sweep (after rounding to whole steps); planned once")
                    continue
                }
                let swept = ConfigValues.values(c, keys: sweptKeys)
                runs.append(PlannedRun(id: id, role: .run, config: c, family: r.family, budget: r.budget,
                                       budgetConvention: r.budget == nil ? nil : sweep.isoflop?.convention.rawValue,
                                       requestedTokens: r.requested, trunk: trunkID,
                                       branchStep: trunkID == nil ? nil : WSDSweep.branchStep(c, steps: c.training.steps),
                                       branchPoints: nil, tuneGroup: r.tuneGroup, swept: swept))
            }
        }
        return SweepPlan(name: sweep.name, runs: tuneRuns + runs, deferred: deferred, sweptKeys: sweptKeys, notes: notes,
                         lrChoices: lrChoices)
    }

    /// The base config at every grid point (the Cartesian product, first key slowest). Values
    /// were checked one by one when the config was read; the points are built as JSON, which
    /// decodes far faster than YAML (a 1,000-run plan has hundreds of points).
    static func gridPoints(_ sweep: SweepConfig) throws -> [RunConfig] {
        let base = try SweepConfig.decodeRunConfig(sweep.base, file: sweep.location("base"), keyPrefix: "base")
        guard !sweep.grid.isEmpty else { return [base] }
        guard let root = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as? [String: Any] else { return [base] }
        var points: [([String: Any], [String])] = [(root, [])]
        for axis in sweep.grid {
            let path = axis.key.split(separator: ".").map(String.init)
            let values = axis.values.map(jsonValue)
            var next: [([String: Any], [String])] = []
            for (object, labels) in points {
                for (i, v) in values.enumerated() {
                    next.append((setting(object, path[...], to: v), labels + ["\(axis.key)[\(i)]"]))
                }
            }
            points = next
        }
        let decoder = JSONDecoder()
        return try points.map { object, labels in
            let config: RunConfig
            do { config = try decoder.decode(RunConfig.self, from: JSONSerialization.data(withJSONObject: object)) } catch let e as DecodingError {
                let (key, reason) = e.keyPathAndReason
                throw ScaleLabError.config(file: sweep.location("grid"), key: "\(labels.joined(separator: ",")) → \(key)", reason: reason)
            }
            try check(config, what: "grid point \(labels.joined(separator: ", "))", sweep: sweep)
            return config
        }
    }

    static func setting(_ object: [String: Any], _ path: ArraySlice<String>, to value: Any) -> [String: Any] {
        guard let head = path.first else { return object }
        var o = object
        o[head] = path.count == 1 ? value : setting(o[head] as? [String: Any] ?? [:], path.dropFirst(), to: value)
        return o
    }

    /// A YAML value as the JSON value the same config would hold.
    static func jsonValue(_ node: Node) -> Any {
        switch node {
        case let .sequence(s): return s.map(jsonValue)
        case let .mapping(m):
            var out: [String: Any] = [:]
            for (k, v) in m { out[k.string ?? ""] = jsonValue(v) }
            return out
        default:
            if node.tag.description.hasSuffix(":null") || node.null != nil { return NSNull() }
            if let b = node.bool, node.tag.description.hasSuffix(":bool") { return b }
            if let i = node.int, node.tag.description.hasSuffix(":int") { return i }
            if let d = node.float, node.tag.description.hasSuffix(":float") { return d }
            return node.string ?? ""
        }
    }

    struct Length { var steps: Int; var requested: Double?; var budget: Double? }

    /// The lengths of one size: from tokens, tokens per parameter, or IsoFLOP budgets; steps are
    /// whole, and a budget gives no run to a size it cannot train for `min_steps`.
    static func lengths(_ sweep: SweepConfig, config: RunConfig, accounting acc: ModelAccounting, label: String,
                        notes: inout [String], budgetBest: inout [Double: (label: String, steps: Int)]) throws -> [Length] {
        let tps = Double(config.tokensPerStep)
        func steps(_ d: Double) -> Int { max(1, Int((d / tps).rounded())) }
        if let iso = sweep.isoflop {
            let perToken: Double
            switch iso.convention {
            case .sixN: perToken = acc.flopsPerTokenChinchilla
            case .sixNNonEmbedding: perToken = acc.flopsPerTokenKaplan
            case .full: perToken = acc.flopsPerTokenFull
            }
            var out: [Length] = []
            for c in iso.budgets {
                if let widths = iso.dModelsAtBudget[c] {
                    if !widths.contains(config.model.dModel) { continue }
                } else if let span = iso.span {
                    let nOpt = (c / (6 * iso.centerTokensPerParam)).squareRoot()
                    let n = Double(iso.convention == .sixN ? acc.nParamsTotal : acc.nParamsNonEmbedding)
                    if n < nOpt / span || n > nOpt * span { continue }
                }
                let d = c / perToken
                let s = Int((d / tps).rounded())
                if s > budgetBest[c]?.steps ?? -1 { budgetBest[c] = (label, s) }
                if s < iso.minSteps {
                    notes.append("budget \(sci(c)): \(label) would train only \(s) steps (< min_steps \(iso.minSteps)); left out")
                    continue
                }
                out.append(Length(steps: s, requested: d, budget: c))
            }
            return out
        }
        switch sweep.length {
        case nil: return [Length(steps: config.training.steps, requested: nil, budget: nil)]
        case let .tokens(list)?: return list.map { Length(steps: steps(Double($0)), requested: Double($0), budget: nil) }
        case let .tokensPerParam(ratios, params)?:
            let n = Double(params == .total ? acc.nParamsTotal : acc.nParamsNonEmbedding)
            return ratios.map { Length(steps: steps($0 * n), requested: $0 * n, budget: nil) }
        }
    }

    /// The grid values a run's name does not already show (shape, V and D are in it), so runs that
    /// differ only by, say, schedule or seed get different names: `-wsd`, `-seed2`, `-lr0.003`.
    static func gridLabel(_ c: RunConfig, _ sweep: SweepConfig) -> String {
        let shown: Set<String> = ["model.d_model", "model.n_layer", "model.n_head", "model.vocab_size", "training.steps"]
        let keys = sweep.grid.map(\.key).filter { !shown.contains($0) }
        guard !keys.isEmpty else { return "" }
        let values = ConfigValues.values(c, keys: keys)
        return keys.map { key -> String in
            let value = String((values[key] ?? "").map { $0.isLetter || $0.isNumber || ".+_=".contains($0) ? $0 : "_" })
            let last = key.split(separator: ".").last.map(String.init) ?? key
            return Double(value) != nil ? "-\(last)\(value)" : "-\(value)"
        }.joined()
    }

    /// Largest share of a run's compute that validation may take. One evaluation of
    /// `eval_batches` batches costs about a third of as many training steps (forward only), so
    /// without a floor on the interval a short branch set the whole group's interval: a WSD trunk of
    /// 3,150 steps evaluated every 2 steps and ran 3-5x slower than its training alone (measured
    /// 2026-12-03: a d96 run took 82 s in a sweep vs 27 s on its own, eval_interval 1).
    static let maxValidationShare = 0.1

    /// Validation at least `points` times in the group's shortest run, train loss at least as
    /// often, unless that would spend more than `maxValidationShare` of the training compute on
    /// evaluation. The interval is a power of two, so adding a run to a group changes it (and with it
    /// every run id of the group) only when the shortest run changes by a factor of two.
    static func setValidation(_ c: inout RunConfig, shortestSteps: Int, points: Int) throws {
        guard points > 0 else { return }
        let evalCostInSteps = Double(c.training.evalBatches) / (3 * Double(max(c.training.gradAccum, 1)))
        var interval = 1
        while interval * 2 * points <= shortestSteps || evalCostInSteps / Double(interval) > maxValidationShare { interval *= 2 }
        c.training.evalInterval = interval
        c.training.logInterval = max(1, min(c.training.logInterval, interval))
    }

    static func check(_ c: RunConfig, what: String, sweep: SweepConfig) throws {
        do { try c.validate() } catch let ScaleLabError.invalidValue(key, reason) {
            throw ScaleLabError.config(file: sweep.source, key: key, reason: "\(what): \(reason)")
        }
    }
}

func sci(_ x: Double) -> String { String(format: "%.3g", x) }
func short(_ x: Double) -> String { String(format: "%.3g", x) }

extension SweepConfig {
    static func settingNode(_ node: Node, key: String, to value: Node) throws -> Node {
        try setting(node, path: key.split(separator: ".").map(String.init)[...], to: value, fullKey: key)
    }
}
