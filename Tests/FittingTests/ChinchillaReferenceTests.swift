import Foundation
import Testing
import Support
@testable import Fitting

/// Reproduces the Epoch AI replication (Besiroglu et al. 2024) of Chinchilla approach 3 on the
/// digitised runs in ../shared, through the ordinary CSV path: --map N="Model Size",
/// --map C="Training FLOP" (D = C/(6N)), --drop-highest-loss 5, full 4500-start grid.
/// Skipped when ../shared is absent (users do not have it).
@Suite struct ChinchillaReferenceTests {
    static func request(bootstrap: Int) -> FitRequest {
        var sel = DataSelection(dropHighestLoss: 5)
        try! sel.addMapping("N=Model Size")
        try! sel.addMapping("C=Training FLOP")
        var opt = FitOptions()
        opt.bootstrap = bootstrap
        // Reduced bootstrap for test time: each of the 1000 resamples is refitted from the
        // full-data optimum plus 2 evenly spaced grid starts, with the same tight tolerances.
        // The full-grid bootstrap is scripts/bench_fit.py --bootstrap-full.
        opt.bootstrapGridStarts = 2
        opt.seed = 42
        return FitRequest(path: SharedReference.chinchillaCSV, laws: [.chinchilla], selection: sel, options: opt)
    }

    @Test(.enabled(if: SharedReference.available, "../shared/reference/chinchilla is absent; skipping the reference reproduction"))
    func reproducesEpochEstimatesAndBootstrapIntervals() throws {
        let started = Date()
        let report = try ScalingFit.run(Self.request(bootstrap: 1000))
        let fit = try #require(report.fit(.chinchilla))
        #expect(fit.nPoints == 240)
        #expect(report.runsUsed.count == 240)
        #expect(report.runsExcluded.count == 5)
        #expect(report.runsExcluded.allSatisfy { $0.reason.contains("highest loss") })
        let p = fit.params
        #expect(relErr(p["A"]!, 477.8) < 0.01, "A = \(p["A"]!)")
        #expect(relErr(p["B"]!, 2144) < 0.03, "B = \(p["B"]!)")
        #expect(relErr(p["E"]!, 1.8172) < 0.005, "E = \(p["E"]!)")
        #expect(relErr(p["alpha"]!, 0.3473) < 0.005, "alpha = \(p["alpha"]!)")
        #expect(relErr(p["beta"]!, 0.3672) < 0.005, "beta = \(p["beta"]!)")
        // Tighter than the issue asks: the scipy refit's objective and exponents.
        #expect(abs(fit.goodness.objective - 1.018274018e-3) < 1e-9)
        #expect(abs(p["alpha"]! - 0.34731) < 1e-4 && abs(p["beta"]! - 0.36717) < 1e-4)
        #expect(abs(fit.derived["a"]! - 0.514) < 0.005)
        let ci = try #require(fit.ci95)
        let boot = try #require(fit.bootstrap)
        #expect(boot.resamples == 1000 && boot.failed == 0)
        let a = ci["alpha"]!, b = ci["beta"]!
        print("bootstrap 95% CIs: alpha \(a), beta \(b), a \(ci["a"]!); elapsed \(Date().timeIntervalSince(started)) s")
        #expect(abs(a[0] - 0.317) <= 0.01 && abs(a[1] - 0.373) <= 0.01, "alpha CI \(a)")
        #expect(abs(b[0] - 0.331) <= 0.01 && abs(b[1] - 0.415) <= 0.01, "beta CI \(b)")
    }
}
