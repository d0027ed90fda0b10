/// A fixed array of Doubles owned by one object and read through a raw pointer, so objective
/// loops index memory directly (no bounds checks, no exclusivity checks, no copy-on-write).
public final class PointBuffer: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Double>

    public init(_ values: [Double]) {
        count = values.count
        base = .allocate(capacity: max(count, 1))
        values.withUnsafeBufferPointer { base.initialize(from: $0.baseAddress!, count: count) }
        if count == 0 { base.initialize(to: 0) }
    }

    public init(repeating value: Double, count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: value, count: max(count, 1))
    }

    public var array: [Double] { Array(UnsafeBufferPointer(start: base, count: count)) }

    deinit { base.deallocate() }
}
