/// Shares a value across the threads of a parallel loop when every thread touches a disjoint part
/// of it (buffers split by index, a closure capturing raw pointers), which the compiler cannot
/// see. Use nowhere else.
@frozen
public struct UnsafeSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}
