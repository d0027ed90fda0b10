import Foundation
import Support

/// Maps the free coordinates z the optimiser moves to a law's full internal vector θ, applying
/// `--fix` (constants), ties (θ_j = θ_k) and bounds by smooth bijections, so the unconstrained
/// L-BFGS and Levenberg–Marquardt solvers fit constrained problems:
///
///     lower only   θ = lo + eᶻ        upper only   θ = hi − eᶻ
///     both         θ = lo + (hi − lo)·σ(z)        none   θ = z
///
/// Bounds are given in natural units and converted to the internal coordinate (ln for
/// log-scale parameters: a natural bound of 0 is ln 0 = −∞, i.e. no internal bound).
public struct Reparametrization: Sendable {
    enum Slot: Sendable {
        case fixed(Double)
        case free(index: Int, lo: Double, hi: Double)
        case tied(to: Int)
    }

    public let parameters: [LawParameter]
    let slots: [Slot]
    /// Free coordinate driving each internal slot (−1: fixed).
    let freeOfSlot: [Int]
    /// Internal slot of each free coordinate.
    let slotOfFree: [Int]
    /// Natural bounds in force (after defaults), by name.
    public let lower: [String: Double]
    public let upper: [String: Double]
    /// `--fix` as given, by name (a value or the name tied to).
    public let fixedDescription: [String: String]
    /// Bounds the user gave (the rest are physical defaults), as "NAME lower"/"NAME upper".
    let userBounds: Set<String>

    public var dimension: Int { parameters.count }
    public var freeCount: Int { slotOfFree.count }

    public init(_ parameters: [LawParameter], _ c: ParameterConstraints, law: LawName) throws {
        self.parameters = parameters
        let names = parameters.map(\.name)
        try c.validate(for: law, parameters: names)
        var lower: [String: Double] = [:], upper: [String: Double] = [:]
        for p in parameters {
            if let v = c.lower[p.name] ?? (c.physicalDefaults ? p.defaultLower : nil) { lower[p.name] = v }
            if let v = c.upper[p.name] ?? (c.physicalDefaults ? p.defaultUpper : nil) { upper[p.name] = v }
            if let l = lower[p.name], let u = upper[p.name], l > u {
                // A user bound on one side can conflict with a default on the other: the user's wins.
                if c.lower[p.name] != nil { upper[p.name] = nil } else { lower[p.name] = nil }
            }
        }
        self.lower = lower; self.upper = upper
        userBounds = Set(c.lower.keys.map { "\($0) lower" } + c.upper.keys.map { "\($0) upper" })
        // Resolve ties to a root that is not itself tied.
        func root(_ name: String, _ seen: Set<String> = []) throws -> String {
            guard case let .tied(other)? = c.fixes[name] else { return name }
            guard !seen.contains(other) else { throw ScaleLabError.invalid("--fix: the ties of \(name) form a cycle") }
            return try root(other, seen.union([name]))
        }
        var slots: [Slot] = [], freeOfSlot: [Int] = [], slotOfFree: [Int] = []
        var fixedDescription: [String: String] = [:]
        // Roots first so a tied slot can point at its root's slot.
        var slotIndex: [String: Int] = [:]
        for (j, p) in parameters.enumerated() { slotIndex[p.name] = j }
        var pending: [Slot?] = Array(repeating: nil, count: parameters.count)
        for (j, p) in parameters.enumerated() {
            let r = try root(p.name)
            if r != p.name {
                guard let k = slotIndex[r] else { throw ScaleLabError.invalid("--fix \(p.name)=\(r): \(r) is not a parameter of law \(law.rawValue)") }
                guard parameters[k].scale == p.scale else {
                    throw ScaleLabError.invalid("--fix \(p.name)=\(r): \(p.name) and \(r) are on different scales (one is fitted as a logarithm); they cannot be tied")
                }
                pending[j] = .tied(to: k)
                fixedDescription[p.name] = "= \(r)"
                continue
            }
            if case let .value(v)? = c.fixes[p.name] {
                if p.scale == .log && !(v > 0) { throw ScaleLabError.invalid("--fix \(p.name)=\(v): \(p.name) must be positive") }
                if let l = c.lower[p.name], v < l { throw ScaleLabError.invalid("--fix \(p.name)=\(v) is below its bound \(p.name)>=\(l)") }
                if let u = c.upper[p.name], v > u { throw ScaleLabError.invalid("--fix \(p.name)=\(v) is above its bound \(p.name)<=\(u)") }
                pending[j] = .fixed(p.scale == .log ? Foundation.log(v) : v)
                fixedDescription[p.name] = formatNumber(v)
                continue
            }
            let lo = Self.internalBound(lower[p.name], p.scale, upperSide: false)
            let hi = Self.internalBound(upper[p.name], p.scale, upperSide: true)
            if p.scale == .log, let u = upper[p.name], !(u > 0) {
                throw ScaleLabError.invalid("--bound \(p.name)<=\(u): \(p.name) is positive by construction")
            }
            pending[j] = .free(index: slotOfFree.count, lo: lo, hi: hi)
            slotOfFree.append(j)
        }
        for j in parameters.indices {
            let s = pending[j]!
            slots.append(s)
            switch s {
            case .fixed: freeOfSlot.append(-1)
            case let .free(index, _, _): freeOfSlot.append(index)
            case let .tied(k):
                if case let .free(index, _, _) = pending[k]! { freeOfSlot.append(index) } else { freeOfSlot.append(-1) }
            }
        }
        self.slots = slots; self.freeOfSlot = freeOfSlot; self.slotOfFree = slotOfFree
        self.fixedDescription = fixedDescription
    }

    static func internalBound(_ v: Double?, _ scale: LawParameter.Scale, upperSide: Bool) -> Double {
        guard let v else { return upperSide ? .infinity : -.infinity }
        guard scale == .log else { return v }
        return v > 0 ? Foundation.log(v) : -.infinity
    }

    /// θ from z, and dθ_j/dz for the free coordinate driving slot j (0 for fixed slots).
    @inline(__always)
    func expand(_ z: UnsafePointer<Double>, _ theta: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>) {
        for j in 0..<slots.count {
            switch slots[j] {
            case let .fixed(v): theta[j] = v; d[j] = 0
            case let .free(k, lo, hi):
                let x = z[k]
                if lo == -.infinity && hi == .infinity { theta[j] = x; d[j] = 1 }
                else if hi == .infinity { let e = Foundation.exp(x); theta[j] = lo + e; d[j] = e }
                else if lo == -.infinity { let e = Foundation.exp(x); theta[j] = hi - e; d[j] = -e }
                else {
                    let s = 1 / (1 + Foundation.exp(-x))
                    theta[j] = lo + (hi - lo) * s; d[j] = (hi - lo) * s * (1 - s)
                }
            case .tied: break
            }
        }
        for j in 0..<slots.count { if case let .tied(k) = slots[j] { theta[j] = theta[k]; d[j] = d[k] } }
    }

    /// θ for a z vector.
    public func theta(_ z: [Double]) -> [Double] {
        var t = [Double](repeating: 0, count: dimension), d = t
        z.withUnsafeBufferPointer { zb in
            t.withUnsafeMutableBufferPointer { tb in d.withUnsafeMutableBufferPointer { db in expand(zb.baseAddress ?? UnsafePointer(tb.baseAddress!), tb.baseAddress!, db.baseAddress!) } }
        }
        return t
    }

    /// z for a full internal vector, pulled inside the bounds (starts on or beyond a bound
    /// begin just inside it).
    public func reduce(_ theta: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: freeCount)
        for (k, j) in slotOfFree.enumerated() {
            guard case let .free(_, lo, hi) = slots[j] else { continue }
            let t = theta[j]
            let margin = 1e-3
            if lo == -.infinity && hi == .infinity { z[k] = t }
            else if hi == .infinity { z[k] = Foundation.log(max(t - lo, margin)) }
            else if lo == -.infinity { z[k] = Foundation.log(max(hi - t, margin)) }
            else {
                let f = min(max((t - lo) / (hi - lo), margin), 1 - margin)
                z[k] = Foundation.log(f / (1 - f))
            }
        }
        return z
    }

    /// Row-major full starts to row-major free starts, without duplicates (fixing a parameter
    /// collapses grid points that differ only in it).
    public func reduceStarts(_ starts: [Double]) -> [Double] {
        let p = dimension
        var seen = Set<[Double]>(), out: [Double] = []
        for k in 0..<(starts.count / p) {
            let z = reduce(Array(starts[(k * p)..<((k + 1) * p)]))
            if seen.insert(z).inserted { out += z }
        }
        return out
    }

    /// Natural values by name for a full internal vector.
    public func natural(_ theta: [Double]) -> [String: Double] {
        var out: [String: Double] = [:]
        for (j, p) in parameters.enumerated() { out[p.name] = p.scale == .log ? Foundation.exp(theta[j]) : theta[j] }
        return out
    }

    /// Whether slot j is moved by the optimiser (free, or tied to a free one).
    func isFree(_ j: Int) -> Bool { freeOfSlot[j] >= 0 }

    /// Free parameters whose value ended on a bound (within 1e-3 of the bound's scale).
    public func boundHits(_ theta: [Double]) -> [BoundHit] {
        let values = natural(theta)
        var hits: [BoundHit] = []
        for (j, p) in parameters.enumerated() where isFree(j) {
            let v = values[p.name]!
            let lo = lower[p.name], hi = upper[p.name]
            let scale: Double = {
                if let lo, let hi, hi > lo { return hi - lo }
                let b = abs(lo ?? hi ?? 0)
                return b > 0 ? b : 1
            }()
            if let lo, v - lo <= 1e-3 * scale { hits.append(BoundHit(parameter: p.name, side: "lower", bound: lo, value: v, byUser: userBounds.contains("\(p.name) lower"))) }
            else if let hi, hi - v <= 1e-3 * scale { hits.append(BoundHit(parameter: p.name, side: "upper", bound: hi, value: v, byUser: userBounds.contains("\(p.name) upper"))) }
        }
        return hits
    }

    /// The bounds and fixes in force, for the output.
    public var summary: [String: String] {
        var out: [String: String] = [:]
        for p in parameters {
            if let f = fixedDescription[p.name] { out[p.name] = "fixed \(f)"; continue }
            let lo = lower[p.name].map { fmt($0) }, hi = upper[p.name].map { fmt($0) }
            switch (lo, hi) {
            case let (l?, h?): out[p.name] = "[\(l), \(h)]"
            case let (l?, nil): out[p.name] = ">= \(l)"
            case let (nil, h?): out[p.name] = "<= \(h)"
            default: break
            }
        }
        return out
    }
}

/// A fitted parameter that ended on one of its bounds.
public struct BoundHit: Codable, Sendable, Equatable {
    public var parameter: String
    /// "lower" or "upper".
    public var side: String
    public var bound: Double
    public var value: Double
    /// Whether the bound was given with --bound (else it is a physical default).
    public var byUser: Bool

    enum CodingKeys: String, CodingKey { case parameter, side, bound, value, byUser = "by_user" }
}

/// The objective in the free coordinates z: f(θ(z)), gradient by the chain rule.
public final class ReparametrizedObjective<O: DifferentiableObjective>: DifferentiableObjective, @unchecked Sendable {
    public let inner: O
    public let map: Reparametrization
    public var dimension: Int { map.freeCount }

    public init(_ inner: O, _ map: Reparametrization) { self.inner = inner; self.map = map }

    public func value(at z: UnsafePointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> Double {
        let p = map.dimension
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * p) { buf in
            let theta = buf.baseAddress!, d = theta + p, gt = theta + 2 * p
            map.expand(z, theta, d)
            let f = inner.value(at: theta, gradient: gt)
            for k in 0..<map.freeCount { g[k] = 0 }
            for j in 0..<p { let k = map.freeOfSlot[j]; if k >= 0 { g[k] += gt[j] * d[j] } }
            return f
        }
    }
}

/// A pointwise model in the free coordinates z (for Levenberg–Marquardt and Huber fits).
public struct ReparametrizedModel<M: PointwiseModel>: PointwiseModel {
    public let inner: M
    public let map: Reparametrization
    public init(_ inner: M, _ map: Reparametrization) { self.inner = inner; self.map = map }
    public var parameterCount: Int { map.freeCount }
    public var pointCount: Int { inner.pointCount }
    public func target(_ i: Int) -> Double { inner.target(i) }

    public func output(_ i: Int, _ z: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
        let p = map.dimension
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * p) { buf in
            let theta = buf.baseAddress!, d = theta + p, gt = theta + 2 * p
            map.expand(z, theta, d)
            let y = inner.output(i, theta, gt)
            for k in 0..<map.freeCount { g[k] = 0 }
            for j in 0..<p { let k = map.freeOfSlot[j]; if k >= 0 { g[k] += gt[j] * d[j] } }
            return y
        }
    }
}

extension Reparametrization {
    /// Multi-start L-BFGS in the free coordinates from full-θ starts; returns the best full θ.
    /// With every parameter fixed the objective is only evaluated.
    func minimize<O: DifferentiableObjective>(_ objective: O, starts: [Double], options: LBFGSOptions, screening: MultiStart.Screening? = nil) -> (theta: [Double], outcome: MultiStart.Outcome)? {
        if freeCount == 0 {
            let t = theta([])
            var g = [Double](repeating: 0, count: dimension)
            let f = t.withUnsafeBufferPointer { tb in g.withUnsafeMutableBufferPointer { objective.value(at: tb.baseAddress!, gradient: $0.baseAddress!) } }
            guard f.isFinite else { return nil }
            let r = MinimizationResult(x: [], value: f, iterations: 0, evaluations: 1, stop: .gradientTolerance)
            return (t, MultiStart.Outcome(best: r, bestStartIndex: 0, finiteStarts: 1, totalStarts: 1, totalEvaluations: 1, stopCounts: [.gradientTolerance: 1]))
        }
        guard let out = MultiStart.minimize(ReparametrizedObjective(objective, self), starts: reduceStarts(starts), options: options, screening: screening) else { return nil }
        return (theta(out.best.x), out)
    }

    /// The best of several full-θ starts on the calling thread (bootstrap refits).
    func serialBest<O: DifferentiableObjective>(_ objective: O, reducedStarts: [Double], options: LBFGSOptions, workspace: LBFGSWorkspace,
                                                screening: MultiStart.Screening? = nil) -> (theta: [Double], value: Double)? {
        if freeCount == 0 { return nil }
        guard let r = MultiStart.serialBest(ReparametrizedObjective(objective, self), starts: reducedStarts, options: options, workspace: workspace, screening: screening) else { return nil }
        return (theta(r.x), r.value)
    }
}
