@testable import Charts
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

func parsesAsXML(_ text: String) -> Bool { XMLParser(data: Data(text.utf8)).parse() }

struct ChartsTests {
    @Test func writerEscapesTextAndAttributes() {
        var w = SVGWriter(width: 10, height: 10, label: "a \"b\" <c>")
        w.text("<script>alert('x')</script> & more", [("x", "1"), ("data-name", "\"><script>")])
        let svg = w.finish()
        #expect(!svg.contains("<script"))
        #expect(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
        #expect(svg.contains("data-name=\"&quot;&gt;&lt;script&gt;\""))
        #expect(parsesAsXML(svg))
    }

    @Test func logTicksAtDecadesWithMinorTicks() {
        let s = Scale(kind: .log, domain: 1e3...1e7, range: 0...100)
        let ticks = s.ticks()
        #expect(ticks.filter { !$0.label.isEmpty }.map(\.label) == ["1000", "10⁴", "10⁵", "10⁶", "10⁷"])
        #expect(ticks.filter { $0.label.isEmpty }.count == 4 * 8)   // 2…9 in each of 4 decades
        #expect(s(1e5) == 50)
        // Under two decades: 2× and 5× are labelled too; SI labels on request.
        let short = Scale(kind: .log, domain: 1e3...5e4, range: 0...100).ticks(format: .si).filter { !$0.label.isEmpty }.map(\.label)
        #expect(short == ["1k", "2k", "5k", "10k", "20k", "50k"])
        // Many decades: every other decade labelled, no minor clutter.
        let long = Scale(kind: .log, domain: 1e0...1e12, range: 0...100).ticks()
        #expect(long.count == 13 && long.filter { !$0.label.isEmpty }.count == 7)
        // Less than a decade: round values placed logarithmically.
        let narrow = Scale(kind: .log, domain: 2.7...3.6, range: 0...100).ticks().filter { !$0.label.isEmpty }.map(\.label)
        #expect(narrow == ["2.8", "3.0", "3.2", "3.4", "3.6"])
    }

    @Test func linearTicksAndDomains() {
        let t = Scale(kind: .linear, domain: 0...0.004, range: 0...1).ticks().filter { !$0.label.isEmpty }.map(\.label)
        #expect(t == ["0.000", "0.001", "0.002", "0.003", "0.004"])
        // A non-negative quantity keeps 0 as its floor.
        #expect(Scale.niceDomain([0, 0.003], kind: .linear).lowerBound == 0)
        #expect(Scale.niceDomain([-1, 3], kind: .linear).lowerBound < -1)
        // One notation per axis: 0.0005 is not written 5×10⁻⁴ beside 0.0010.
        let lr = Scale(kind: .linear, domain: 0...0.0035, range: 0...1).ticks().filter { !$0.label.isEmpty }.map(\.label)
        #expect(lr == ["0.0000", "0.0005", "0.0010", "0.0015", "0.0020", "0.0025", "0.0030", "0.0035"])
        let big = Scale(kind: .linear, domain: 0...8e5, range: 0...1).ticks(format: .si).filter { !$0.label.isEmpty }.map(\.label)
        #expect(big == ["0", "200k", "400k", "600k", "800k"])
    }

    /// Viridis is usable in greyscale: its luminance rises monotonically along the map.
    @Test func colourMapLuminanceIsMonotonic() {
        let l = (0...50).map { ColorMap.viridis(Double($0) / 50).luminance }
        #expect(zip(l, l.dropFirst()).allSatisfy { $0 < $1 })
        #expect(l.last! - l.first! > 0.4)
        #expect(ColorMap.viridis(0).hex == "#440154")
    }

    @Test func legendGoesToTheEmptyCorner() throws {
        var chart = Chart(id: "t", x: Axis("x", domain: 0...20), y: Axis("y", domain: 0...12))
        // A line crosses the top of the frame; a point sits bottom right; bottom left is empty.
        chart.series.append(Series("data", [Point(0, 11), Point(10, 9), Point(20, 11)], color: .ink, lineWidth: 1))
        chart.series.append(Series("low", [Point(18.5, 1)], color: .accent, lineWidth: nil, marker: Marker(.star)))
        let svg = chart.svg()
        #expect(parsesAsXML(svg))
        // The legend box: the rect with fill-opacity 0.9.
        let legend = try #require(svg.range(of: "fill-opacity=\"0.9\""))
        let head = svg[..<legend.lowerBound]
        let rectStart = try #require(head.range(of: "<rect", options: .backwards))
        let rect = String(svg[rectStart.lowerBound..<legend.lowerBound])
        func attr(_ name: String) -> Double? {
            guard let r = rect.range(of: " \(name)=\"") else { return nil }
            return Double(rect[r.upperBound...].prefix { $0 != "\"" })
        }
        let x = try #require(attr("x")), y = try #require(attr("y"))
        #expect(x < chart.width / 2, "legend at x = \(x)")
        #expect(y > chart.height / 2, "legend at y = \(y)")
    }

    @Test func longCurvesAreDecimatedKeepingExtremes() {
        var px: [(Double, Double)] = []
        for i in 0..<20_000 { px.append((Double(i) / 100, i == 12_345 ? -50 : Double(i % 7))) }
        let d = Chart.decimate(px, columns: 200)
        #expect(d.count <= 4 * 201)
        #expect(d.contains { $0.1 == -50 })
        let firstSame = d[0].0 == px[0].0 && d[0].1 == px[0].1
        let lastSame = d[d.count - 1].0 == px[px.count - 1].0 && d[d.count - 1].1 == px[px.count - 1].1
        #expect(firstSame && lastSame)
    }

    @Test func tickLabelsDoNotOverlap() {
        let ticks = (0...20).map { Tick(value: Double($0), label: "100000\($0)") }
        let kept = Chart.thinned(ticks, positions: ticks.map { $0.value * 20 }).filter { !$0.label.isEmpty }
        #expect(kept.count < ticks.count && kept.count >= 3)
    }

    @Test func bandsMarkersColourBarAndAnnotationsAreDrawn() {
        var chart = Chart(id: "b", x: Axis("Compute C (FLOPs)", .log), y: Axis("Loss (nats/token)", .log))
        let xs = (0...10).map { 1e15 * Foundation.pow(10, Double($0) / 5) }
        chart.bands.append(Band("95% interval", x: xs, lower: xs.map { 2.5 * Foundation.pow($0 / 1e15, -0.05) }, upper: xs.map { 2.9 * Foundation.pow($0 / 1e15, -0.05) }, color: .accent))
        chart.series.append(Series("held out", [Point(1e16, 2.6)], color: .ink, lineWidth: nil, marker: Marker(.diamond, filled: false)))
        chart.colorBar = ColorBar("Parameters N", domain: 1e6...1e9, format: .si)
        chart.annotations.append(Annotation("L = E + A/N^α", at: .frame(0.05, 0.1)))
        let svg = chart.svg()
        #expect(parsesAsXML(svg))
        #expect(svg.contains("fill-opacity=\"0.18\""))           // the band
        #expect(svg.contains(">95% interval<") && svg.contains(">held out<"))
        #expect(svg.contains(">1M<") && svg.contains(">1G<"))      // colour-bar ticks
        #expect(svg.contains(">L = E + A/N^α<"))
        #expect(svg.components(separatedBy: "<rect").count > 48)  // the colour bar's steps
    }
}
