import Foundation
import Model

/// Parameter counts per shape, computed once: a 1,000-run plan has few distinct shapes.
final class ModelAccountingCache: @unchecked Sendable {
    static let shared = ModelAccountingCache()
    private var cache: [ModelConfigKey: ModelAccounting] = [:]
    private let lock = NSLock()

    struct ModelConfigKey: Hashable {
        let text: String
        init(_ m: ModelConfig) {
            text = "\(m.dModel),\(m.nLayer),\(m.nHead),\(m.context),\(m.vocabSize),\(m.mlpRatio),\(m.norm.rawValue),"
                + "\(m.position.rawValue),\(m.activation.rawValue),\(m.tieEmbeddings),\(m.bias),\(m.initStd)"
        }
    }

    func accounting(_ m: ModelConfig) -> ModelAccounting {
        let key = ModelConfigKey(m)
        lock.lock(); defer { lock.unlock() }
        if let a = cache[key] { return a }
        let a = ModelAccounting(m)
        cache[key] = a
        return a
    }
}
