import Dispatch
import Support

/// Splits work over a fixed number of threads, deterministically: the same `threads` always cuts
/// the same ranges, and every reduction is finished in chunk order, so results are bit-for-bit
/// repeatable for a given thread count.
///
/// Why not OpenBLAS's own threads: its workers spin-wait after each call, which on a 2-core box
/// fights our own parallel loops for the cores. OpenBLAS runs single-threaded and we cut each GEMM
/// into row (or column) blocks ourselves, so there is one level of parallelism and no busy waiting
/// (GCD's workers park on a futex).
public struct Parallel: Sendable {
    public let threads: Int

    public init(threads: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        self.threads = threads
    }

    public static let serial = Parallel(threads: 1)

    /// Runs `body(i)` for `i` in `0..<count`, the calls spread over the threads.
    @inline(__always)
    public func run(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || threads == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let box = UnsafeSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: count) { i in box.value(i) }
        }
    }

    /// Cuts `0..<total` into at most `threads` contiguous ranges of at least `grain` elements (and a
    /// multiple of `align`, but for the last) and runs `body` on each.
    @inline(__always)
    public func ranges(_ total: Int, grain: Int = 1, align: Int = 1, _ body: (Range<Int>) -> Void) {
        let pieces = Swift.max(1, Swift.min(threads, total / Swift.max(grain, 1)))
        if pieces == 1 {
            if total > 0 { body(0..<total) }
            return
        }
        run(pieces) { p in body(Parallel.piece(p, of: pieces, total: total, align: align)) }
    }

    /// Like `ranges`, with the piece's index, so each piece can use its own scratch memory.
    @inline(__always)
    public func pieceRanges(_ total: Int, _ body: (Int, Range<Int>) -> Void) {
        let pieces = Swift.max(1, Swift.min(threads, total))
        if pieces == 1 {
            if total > 0 { body(0, 0..<total) }
            return
        }
        run(pieces) { p in body(p, Parallel.piece(p, of: pieces, total: total)) }
    }

    /// The `p`-th of `pieces` contiguous ranges covering `0..<total`.
    @inline(__always)
    public static func piece(_ p: Int, of pieces: Int, total: Int, align: Int = 1) -> Range<Int> {
        func cut(_ q: Int) -> Int {
            if q >= pieces { return total }
            let raw = total * q / pieces
            return Swift.min(total, (raw + align / 2) / align * align)
        }
        return cut(p)..<cut(p + 1)
    }
}
