import Foundation

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (p ≤ ~10):
/// robust, no library needed, accurate to rounding for the parameter counts of the laws.
enum SymmetricEigen {
    /// Eigenvalues ascending with their unit eigenvectors (columns), of row-major `a` (p×p).
    static func decompose(_ a: [Double], _ p: Int) -> (values: [Double], vectors: [[Double]]) {
        var m = a
        var v = [Double](repeating: 0, count: p * p)
        for i in 0..<p { v[i * p + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<p { for j in 0..<p where i != j { off += m[i * p + j] * m[i * p + j] } }
            if off < 1e-30 { break }
            for i in 0..<p {
                for j in (i + 1)..<max(p, i + 1) where j < p {
                    let aij = m[i * p + j]
                    guard abs(aij) > 1e-300 else { continue }
                    let theta = (m[j * p + j] - m[i * p + i]) / (2 * aij)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<p {
                        let mki = m[k * p + i], mkj = m[k * p + j]
                        m[k * p + i] = c * mki - s * mkj; m[k * p + j] = s * mki + c * mkj
                    }
                    for k in 0..<p {
                        let mik = m[i * p + k], mjk = m[j * p + k]
                        m[i * p + k] = c * mik - s * mjk; m[j * p + k] = s * mik + c * mjk
                    }
                    for k in 0..<p {
                        let vki = v[k * p + i], vkj = v[k * p + j]
                        v[k * p + i] = c * vki - s * vkj; v[k * p + j] = s * vki + c * vkj
                    }
                }
            }
        }
        let order = (0..<p).sorted { m[$0 * p + $0] < m[$1 * p + $1] }
        return (order.map { m[$0 * p + $0] }, order.map { c in (0..<p).map { v[$0 * p + c] } })
    }
}
