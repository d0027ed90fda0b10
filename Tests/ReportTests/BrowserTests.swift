import Foundation
@testable import Report
import Testing

/// The report of a real finished study, opened in headless Chromium: every figure must have a
/// box on the page with drawn marks inside, and the screenshot must show them.
/// CI installs the browser (`apt-get install -y chromium`); without it the test is skipped.
@Suite(.serialized) struct BrowserTests {
    @Test(.enabled(if: Chromium.executable != nil, "chromium is not installed (Debian: apt-get install -y chromium); the browser check is skipped"))
    func reportRendersInChromium() throws {
        let o = try RealStudy.report.get()
        let report = URL(fileURLWithPath: o.html)
        let out = temporaryDirectory("report-browser")
        #expect(o.figures.count >= 5)

        // A copy of the page with a probe script: the report itself has none and needs none.
        // It measures each figure's SVG box and its marks' boxes and writes them into the DOM.
        let probe = """
            <script>
            const figures = [...document.querySelectorAll('figure svg')].map(s => {
              const r = s.getBoundingClientRect();
              const marks = [...s.querySelectorAll('polyline, circle, polygon, path')].filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; }).length;
              const labels = [...s.querySelectorAll('text')].filter(e => e.getComputedTextLength() > 0).length;
              return {id: s.parentElement.id, width: r.width, height: r.height, marks, labels};
            });
            const pre = document.createElement('pre');
            pre.id = 'probe';
            pre.textContent = JSON.stringify({figures, pageHeight: document.documentElement.scrollHeight});
            document.body.appendChild(pre);
            </script>
            """
        let html = try String(contentsOf: report, encoding: .utf8)
        let probed = out.appendingPathComponent("probe.html")
        try html.replacingOccurrences(of: "</body>", with: probe + "</body>").write(to: probed, atomically: true, encoding: .utf8)
        let dom = try Chromium.run(["--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000", "--window-size=1200,900", "--dump-dom", probed.absoluteString])
        let start = try #require(dom.range(of: "<pre id=\"probe\">"), "the probe did not run; DOM: \(dom.prefix(300))")
        let end = try #require(dom[start.upperBound...].range(of: "</pre>"))
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        struct Box: Decodable { var id: String; var width: Double; var height: Double; var marks: Int; var labels: Int }
        struct Probe: Decodable { var figures: [Box]; var pageHeight: Double }
        let measured = try JSONDecoder().decode(Probe.self, from: Data(json.utf8))
        #expect(measured.figures.map(\.id) == o.figures)
        for f in measured.figures {
            print("figure \(f.id): \(f.width)×\(f.height) px, \(f.marks) marks, \(f.labels) text labels")
            #expect(f.width > 100 && f.height > 100, "figure \(f.id) has box \(f.width)×\(f.height)")
            #expect(f.marks >= 2, "figure \(f.id) draws \(f.marks) marks")  // e.g. N_opt(C) and D_opt(C) lines
            #expect(f.labels >= 6, "figure \(f.id) shows \(f.labels) labels (ticks and axis titles)")
        }

        // The whole page as a picture.
        let height = Int(min(max(measured.pageHeight, 900), 9000))
        let shot = out.appendingPathComponent("report.png")
        _ = try Chromium.run(["--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000", "--window-size=1200,\(height)", "--screenshot=\(shot.path)", report.absoluteString])
        let image = try PNGImage.decode(try Data(contentsOf: shot))
        let ink = image.inkFraction
        print("reportRendersInChromium: screenshot \(shot.path) (\(image.width)×\(image.height)), \(String(format: "%.1f", ink * 100))% non-background pixels")
        #expect(image.width == 1200 && image.height == height)
        #expect(ink > 0.03, "only \(ink * 100)% of the screenshot differs from the background")
        if let keep = ProcessInfo.processInfo.environment["SCALELAB_REPORT_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: keep + "/report.png")
            try? FileManager.default.copyItem(atPath: shot.path, toPath: keep + "/report.png")
            try? FileManager.default.removeItem(atPath: keep + "/report.html")
            try? FileManager.default.copyItem(atPath: report.path, toPath: keep + "/report.html")
        }
    }

    /// The PNG reader the browser check relies on, on a blank page and on a page with a figure.
    @Test(.enabled(if: Chromium.executable != nil, "chromium is not installed (Debian: apt-get install -y chromium)"))
    func screenshotInkTellsBlankFromDrawn() throws {
        let dir = temporaryDirectory("report-ink")
        let blank = dir.appendingPathComponent("blank.html"), drawn = dir.appendingPathComponent("drawn.html")
        try "<!DOCTYPE html><html><body></body></html>".write(to: blank, atomically: true, encoding: .utf8)
        try "<!DOCTYPE html><html><body><div style='width:300px;height:200px;background:#440154'></div></body></html>".write(to: drawn, atomically: true, encoding: .utf8)
        var fractions: [Double] = []
        for page in [blank, drawn] {
            let png = dir.appendingPathComponent(page.lastPathComponent + ".png")
            _ = try Chromium.run(["--window-size=600,400", "--screenshot=\(png.path)", page.absoluteString])
            fractions.append(try PNGImage.decode(try Data(contentsOf: png)).inkFraction)
        }
        #expect(fractions[0] == 0)
        // 300×200 of 600×400 (less the body's 8 px margin offset, still all inside the window).
        #expect(Swift.abs(fractions[1] - 0.25) < 0.01, "ink fraction \(fractions[1])")
    }
}
