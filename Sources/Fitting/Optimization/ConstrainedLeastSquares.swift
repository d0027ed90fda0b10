/// Levenberg–Marquardt from several full-θ starts in the free coordinates of a
/// reparametrization (fixes, ties, bounds); the best full θ and its sum of squares.
enum ConstrainedLeastSquares {
    static func fit<M: PointwiseModel>(_ model: M, map: Reparametrization, starts: [[Double]]) -> (theta: [Double], value: Double)? {
        guard map.freeCount > 0 else {
            let t = map.theta([])
            var g = [Double](repeating: 0, count: t.count)
            var ss = 0.0
            t.withUnsafeBufferPointer { tb in g.withUnsafeMutableBufferPointer { gb in
                for i in 0..<model.pointCount { let r = model.output(i, tb.baseAddress!, gb.baseAddress!) - model.target(i); ss += r * r }
            } }
            return ss.isFinite ? (t, ss) : nil
        }
        let constrained = ReparametrizedModel(model, map)
        var best: MinimizationResult?
        for s in starts {
            let r = LevenbergMarquardt.minimize(constrained, from: map.reduce(s))
            if r.value.isFinite && (best == nil || r.value < best!.value) { best = r }
        }
        guard let r = best else { return nil }
        return (map.theta(r.x), r.value)
    }

    /// The model's outputs at a full θ (for diagnostics).
    static func outputs<M: PointwiseModel>(_ model: M, _ theta: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: theta.count)
        return theta.withUnsafeBufferPointer { tb in g.withUnsafeMutableBufferPointer { gb in (0..<model.pointCount).map { model.output($0, tb.baseAddress!, gb.baseAddress!) } } }
    }
}
