import Foundation
import Model
import Support

/// One size of a model family: its label and shape.
public struct FamilyMember: Sendable, Equatable {
    public var label: String
    public var model: ModelConfig
}

extension FamilyRule {
    /// The shapes the rule gives on top of `base` (which supplies context, vocabulary and
    /// architecture). An invalid shape is an error naming the size that produced it.
    func members(base: ModelConfig, file: String) throws -> [FamilyMember] {
        switch sizes {
        case let .dModel(list):
            return try list.enumerated().map { i, d in
                try member(dModel: d, base: base, at: locations.indices.contains(i) ? locations[i] : "\(file) family.d_model[\(i)]")
            }
        case let .paramsNonEmbedding(targets):
            return try targets.enumerated().map { i, target in
                let at = locations.indices.contains(i) ? locations[i] : "\(file) family.params_non_embedding[\(i)]"
                var best: (FamilyMember, Double)?
                var d = headSize
                while d <= 16384 {
                    if let m = try? member(dModel: d, base: base, at: at) {
                        let n = Double(ModelAccounting(m.model).nParamsNonEmbedding)
                        let miss = abs(log(n / target))
                        if best == nil || miss < best!.1 { best = (m, miss) }
                    }
                    d += headSize
                }
                guard let (m, miss) = best, miss < log(1.5) else {
                    throw ScaleLabError.config(file: at, key: "family.params_non_embedding", reason: "no shape with head_size \(headSize) comes within 1.5× of \(Int(target)) non-embedding parameters")
                }
                return m
            }
        }
    }

    func member(dModel d: Int, base: ModelConfig, at location: String) throws -> FamilyMember {
        func fail(_ reason: String) -> ScaleLabError { .config(file: location, key: "family", reason: "d_model \(d): \(reason)") }
        guard d % headSize == 0 else { throw fail("not a multiple of head_size \(headSize), so n_head = d_model / head_size is not whole") }
        let layers: Int
        if let nLayer { layers = nLayer } else {
            let ratio = aspectRatio ?? 1
            layers = Int((Double(d) / ratio).rounded())
            guard layers >= 1 else { throw fail("n_layer = round(d_model / aspect_ratio) = round(\(Double(d) / ratio)) = 0 layers; lower aspect_ratio or raise d_model") }
        }
        var m = base
        m.dModel = d; m.nLayer = layers; m.nHead = d / headSize
        do { try m.validate() } catch let ScaleLabError.invalidValue(key, reason) { throw fail("\(key): \(reason)") }
        return FamilyMember(label: "d\(d)-L\(layers)-H\(m.nHead)", model: m)
    }
}
