/// Vector math on 8 float lanes. Glibc's expf/tanhf are scalar calls (4.5 and 19 ns per element), and
/// Swift's generic SIMD helpers (pointwiseMax, clamped, rounded) compile to scalar loops, so these
/// are written out with plain arithmetic and lane selects.
public typealias F8 = SIMD8<Float>

@inline(__always) public func load8(_ p: UnsafePointer<Float>) -> F8 {
    UnsafeRawPointer(p).loadUnaligned(as: F8.self)
}

@inline(__always) public func store8(_ p: UnsafeMutablePointer<Float>, _ v: F8) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self)
}

@inline(__always) public func max8(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: b .> a) }
@inline(__always) public func min8(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: b .< a) }

/// Horizontal maximum of the 8 lanes.
@inline(__always) public func hmax8(_ v: F8) -> Float {
    let h = max8(F8(lowHalf: v.lowHalf, highHalf: v.lowHalf), F8(lowHalf: v.highHalf, highHalf: v.highHalf))
    var m = h[0]
    for i in 1..<4 where h[i] > m { m = h[i] }
    return m
}

/// e^x for 8 lanes, Cephes-style: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial,
/// 2^n by building the float exponent. Relative error < 2e-7 over [-87, 88]; inputs below -87
/// flush to ~0 (what softmax needs), above 88 saturate.
@inline(__always) public func exp8(_ x: F8) -> F8 {
    let x = min8(max8(x, F8(repeating: -87.3)), F8(repeating: 88.3))
    // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick (exact for |t| < 2^22).
    let magic = F8(repeating: 12_582_912.0)
    let t = x * F8(repeating: 1.442_695_04) + magic
    let n = t - magic
    let r = x - n * F8(repeating: 0.693_359_375) + n * F8(repeating: 2.121_944_4e-4)
    var p = F8(repeating: 1.987_569_1e-4)
    p = p * r + F8(repeating: 1.398_199_9e-3)
    p = p * r + F8(repeating: 8.333_452e-3)
    p = p * r + F8(repeating: 4.166_579_6e-2)
    p = p * r + F8(repeating: 1.666_666_5e-1)
    p = p * r + F8(repeating: 0.5)
    p = p * r * r + r + F8(repeating: 1)
    let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((ni &+ 127) &<< 23, to: F8.self)
    return p * scale
}

/// Scalar e^x with the same polynomial, for loop tails, so a row's values do not depend on
/// whether they landed in a vector or a tail.
@inline(__always) public func exp1(_ x: Float) -> Float { exp8(F8(repeating: x))[0] }

/// The logistic function 1 / (1 + e^-x).
@inline(__always) public func sigmoid8(_ x: F8) -> F8 { 1 / (1 + exp8(-x)) }

/// row[j] ← exp(row[j] − max) for j < n; returns (max, Σ exp): the shared first half of every
/// softmax (attention rows, cross-entropy rows).
@inline(__always)
func expInPlace(_ row: UnsafeMutablePointer<Float>, _ n: Int) -> (Float, Float) {
    var mx = F8(repeating: -Float.greatestFiniteMagnitude)
    var j = 0
    while j + 8 <= n { mx = max8(mx, load8(row + j)); j += 8 }
    var m = hmax8(mx)
    while j < n { if row[j] > m { m = row[j] }; j += 1 }
    let mv = F8(repeating: m)
    var acc = F8(); j = 0
    while j + 8 <= n { let e = exp8(load8(row + j) - mv); store8(row + j, e); acc += e; j += 8 }
    var sum = acc.sum()
    while j < n { let e = exp1(row[j] - m); row[j] = e; sum += e; j += 1 }
    return (m, sum)
}
