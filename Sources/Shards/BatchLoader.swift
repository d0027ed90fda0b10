import Support

/// A (B, T) batch in caller-owned buffers: `inputs[b·T + t]` is token t of window b and
/// `targets[b·T + t]` the token after it. Filling it allocates nothing.
public struct Batch {
    public let batchSize: Int
    public let contextLength: Int
    public let inputs: UnsafeMutableBufferPointer<Int32>
    public let targets: UnsafeMutableBufferPointer<Int32>

    public init(batchSize: Int, contextLength: Int, inputs: UnsafeMutableBufferPointer<Int32>,
                targets: UnsafeMutableBufferPointer<Int32>) throws {
        guard batchSize >= 1, contextLength >= 1 else { throw ScaleLabError.invalid("batch size and context length must be at least 1") }
        guard inputs.count >= batchSize * contextLength, targets.count >= batchSize * contextLength else {
            throw ScaleLabError.invalid("batch buffers hold \(inputs.count) and \(targets.count) ids; B·T = \(batchSize * contextLength) needed")
        }
        self.batchSize = batchSize; self.contextLength = contextLength
        self.inputs = inputs; self.targets = targets
    }
}

/// How training windows are chosen (`data.sampling` in a run config).
public enum BatchOrder: String, Codable, Sendable, CaseIterable {
    /// Window starts drawn uniformly at random from every offset (with replacement), seeded: a
    /// run sees some tokens twice and others never long before it has used the data up (U < D).
    case random
    /// Epoch after epoch over the fixed windows [kT, kT+T]; within each epoch the windows come in
    /// a seeded random permutation. A run of D ≤ U tokens sees every token at most once
    /// (unique = D exactly); a longer one repeats whole epochs, the design of the repetition
    /// papers (Muennighoff et al. 2023).
    case epochs
}

/// Everything needed to resume a loader exactly (Codable, for checkpoints).
public struct BatchLoaderState: Codable, Sendable, Equatable {
    public var order: BatchOrder
    public var seed: UInt64
    /// Windows served so far (over all epochs).
    public var windowsServed: Int
    /// Random-offsets order: the generator after the last draw (checked when restoring).
    public var rngState: [UInt64]
    /// Epochs order: current epoch and next window within it.
    public var epoch: Int
    public var windowInEpoch: Int
    /// Target tokens served, and how many of them were at positions not served before.
    public var tokensServed: Int
    public var uniqueTokensServed: Int

    enum CodingKeys: String, CodingKey {
        case order, seed, epoch
        case windowsServed = "windows_served", rngState = "rng_state", windowInEpoch = "window_in_epoch"
        case tokensServed = "tokens_served", uniqueTokensServed = "unique_tokens_served"
    }
}

/// Serves (B, T+1) windows of a token shard as (inputs, targets) batches.
///
/// Counting: a window starting at o trains on the target positions o+1 … o+T. A position counts
/// as unique the first time it is a target, repeated afterwards; `repeatedTokens` =
/// served − unique. In random-offsets order a bitmap over positions tracks this exactly; in
/// epochs order the windows tile the shard, so epoch 0 is unique and later epochs repeat.
/// Restoring a random-offsets state replays its draws from the seed (cheap: one random word
/// and one bitmap range per window) and checks the generator lands on the saved state.
public final class BatchLoader {
    public let shard: TokenShard
    public let batchSize: Int
    public let contextLength: Int
    public private(set) var state: BatchLoaderState
    /// Number of fixed windows per epoch in epochs order: ⌊(N − 1) / T⌋.
    public let windowsPerEpoch: Int
    private var rng: SeededRandom
    private var covered: [UInt64]
    private var permutation: [UInt32] = []

    public init(shard: TokenShard, batchSize: Int, contextLength: Int, seed: UInt64, order: BatchOrder) throws {
        guard batchSize >= 1, contextLength >= 1 else { throw ScaleLabError.invalid("batch size and context length must be at least 1") }
        guard shard.count >= contextLength + 1 else {
            throw ScaleLabError.data(path: shard.path, reason: "holds \(shard.count) tokens, fewer than one training context of \(contextLength + 1) (T + 1)")
        }
        self.shard = shard; self.batchSize = batchSize; self.contextLength = contextLength
        windowsPerEpoch = (shard.count - 1) / contextLength
        rng = SeededRandom(seed: seed)
        covered = order == .random ? [UInt64](repeating: 0, count: (shard.count + 63) / 64) : []
        state = BatchLoaderState(order: order, seed: seed, windowsServed: 0, rngState: rng.state, epoch: 0,
                                 windowInEpoch: 0, tokensServed: 0, uniqueTokensServed: 0)
        if order == .epochs { shuffleEpoch() }
    }

    /// A loader positioned exactly where `state` was saved.
    public convenience init(shard: TokenShard, batchSize: Int, contextLength: Int, restoring saved: BatchLoaderState) throws {
        try self.init(shard: shard, batchSize: batchSize, contextLength: contextLength, seed: saved.seed, order: saved.order)
        switch saved.order {
        case .random:
            for _ in 0..<saved.windowsServed { _ = nextWindowStart() }
            guard state == saved else {
                throw ScaleLabError.invalid("loader state does not replay (shard \(shard.path) or T changed since it was saved)")
            }
        case .epochs:
            guard saved.windowInEpoch <= windowsPerEpoch else { throw ScaleLabError.invalid("loader state window \(saved.windowInEpoch) beyond \(windowsPerEpoch) per epoch") }
            state = saved
            shuffleEpoch()
        }
    }

    public var tokensServed: Int { state.tokensServed }
    public var uniqueTokensServed: Int { state.uniqueTokensServed }
    public var repeatedTokens: Int { state.tokensServed - state.uniqueTokensServed }
    /// Passes over the shard's N − 1 target positions so far (fractional).
    public var epochsSeen: Double { Double(state.tokensServed) / Double(shard.count - 1) }

    /// Fills `batch` with the next B windows.
    public func next(into batch: Batch) throws {
        guard batch.batchSize == batchSize, batch.contextLength == contextLength,
              let inputs = batch.inputs.baseAddress, let targets = batch.targets.baseAddress else {
            throw ScaleLabError.invalid("batch is \(batch.batchSize)×\(batch.contextLength), loader serves \(batchSize)×\(contextLength)")
        }
        next(inputs: inputs, targets: targets)
    }

    /// Fills B·T inputs and targets with the next B windows; allocates nothing (the training step).
    @inline(__always)
    public func next(inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) {
        let T = contextLength
        for b in 0..<batchSize {
            let start = nextWindowStart()
            shard.copy(from: start, count: T, into: inputs + b * T)
            shard.copy(from: start + 1, count: T, into: targets + b * T)
        }
    }

    private func nextWindowStart() -> Int {
        let T = contextLength
        let start: Int
        switch state.order {
        case .random:
            let span = UInt64(shard.count - T)   // starts 0 … N − T − 1
            start = Int(truncatingIfNeeded: rng.next().multipliedFullWidth(by: span).high)
            state.rngState = rng.state
            state.uniqueTokensServed += markCovered(start + 1, start + 1 + T)
        case .epochs:
            if state.windowInEpoch == windowsPerEpoch { state.epoch += 1; state.windowInEpoch = 0; shuffleEpoch() }
            start = Int(permutation[state.windowInEpoch]) * T
            if state.epoch == 0 { state.uniqueTokensServed += T }
            state.windowInEpoch += 1
        }
        state.windowsServed += 1
        state.tokensServed += T
        return start
    }

    /// Sets bits [from, to) and returns how many were newly set.
    private func markCovered(_ from: Int, _ to: Int) -> Int {
        var fresh = 0
        covered.withUnsafeMutableBufferPointer { words in
            var i = from
            while i < to {
                let w = i >> 6, bit = i & 63
                let n = min(64 - bit, to - i)
                let mask: UInt64 = (n == 64 ? ~0 : ((1 << UInt64(n)) - 1)) << UInt64(bit)
                fresh += (mask & ~words[w]).nonzeroBitCount
                words[w] |= mask
                i += n
            }
        }
        return fresh
    }

    /// The window order of `state.epoch`: Fisher–Yates driven by a generator seeded from
    /// (seed, epoch), so it can be rebuilt from the state alone.
    private func shuffleEpoch() {
        var r = SeededRandom(seed: state.seed ^ (UInt64(state.epoch) &* 0x9E37_79B9_7F4A_7C15))
        permutation = (0..<windowsPerEpoch).map { UInt32($0) }
        permutation.withUnsafeMutableBufferPointer { p in
            for i in stride(from: p.count - 1, to: 0, by: -1) {
                let j = Int(truncatingIfNeeded: r.next().multipliedFullWidth(by: UInt64(i + 1)).high)
                p.swapAt(i, j)
            }
        }
    }
}
