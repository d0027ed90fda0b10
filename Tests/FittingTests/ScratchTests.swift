import Testing
import Foundation
@testable import Fitting

@Test func scratchChinchilla() throws {
    let text = try String(contentsOfFile: "/work/shared/reference/chinchilla/svg_extracted_data.csv", encoding: .utf8)
    var N = [Double](), C = [Double](), L = [Double]()
    for line in text.split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",")
        N.append(Double(f[3])!); C.append(Double(f[4])!); L.append(Double(f[6])!)
    }
    let cutoff = L.sorted()[L.count - 5]
    var lN = [Double](), lD = [Double](), lL = [Double]()
    for i in 0..<L.count where L[i] < cutoff { lN.append(log(N[i])); lD.append(log(C[i] / (6 * N[i]))); lL.append(log(L[i])) }
    let obj = ChinchillaObjective(logN: PointBuffer(lN), logD: PointBuffer(lD), logL: PointBuffer(lL))
    var starts = [Double]()
    for al in stride(from: 0.0, through: 2.0, by: 0.5) { for be in stride(from: 0.0, through: 2.0, by: 0.5) {
      for e in stride(from: -1.0, through: 1.0, by: 0.5) { for a in stride(from: 0.0, through: 25.0, by: 5.0) { for b in stride(from: 0.0, through: 25.0, by: 5.0) {
        starts += [a, b, e, al, be] } } } } }
    let t0 = Date()
    let out = MultiStart.minimize(obj, starts: starts)!
    print("time", Date().timeIntervalSince(t0), out.best.value, out.best.x.map { $0 }, exp(out.best.x[0]), exp(out.best.x[1]), exp(out.best.x[2]), out.best.stop, out.best.iterations, out.finiteStarts, out.totalEvaluations, out.stopCounts)
}
