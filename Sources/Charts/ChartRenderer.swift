import Foundation

extension Chart {
    static let tickFont = 11.0, titleFont = 12.0, legendFont = 10.5

    /// The figure as a standalone SVG document.
    public func svg() -> String {
        var w = SVGWriter(width: width, height: height, label: label)
        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x)
        let ys = series.flatMap { $0.points.map(\.y) } + bands.flatMap { $0.lower + $0.upper }
        let xDomain = x.domain ?? Scale.niceDomain(xs, kind: x.kind)
        let yDomain = y.domain ?? Scale.niceDomain(ys, kind: y.kind)

        // Layout: room for the y tick labels and title on the left, x labels and title below,
        // the colour bar on the right.
        let probeY = Scale(kind: y.kind, domain: yDomain, range: 0...1).ticks(format: y.format)
        let yLabelWidth = probeY.map { TextMetrics.width($0.label, size: Self.tickFont) }.max() ?? 0
        let left = 10 + 16 + yLabelWidth + 8
        let bottom = 46.0, top = 12.0
        var right = 14.0
        var barTicks: [Tick] = []
        if let bar = colorBar {
            barTicks = Scale(kind: bar.kind, domain: bar.domain, range: 0...1).ticks(format: bar.format)
            right = 14 + 12 + 6 + (barTicks.map { TextMetrics.width($0.label, size: Self.tickFont) }.max() ?? 0) + 10 + 18
        }
        let frame = (x0: left, y0: top, x1: width - right, y1: height - bottom)
        let sx = Scale(kind: x.kind, domain: xDomain, range: frame.x0...frame.x1)
        let sy = Scale(kind: y.kind, domain: yDomain, range: frame.y0...frame.y1, inverted: true)
        let xTicks = sx.ticks(format: x.format), yTicks = sy.ticks(format: y.format)

        w.element("rect", [("width", "100%"), ("height", "100%"), ("fill", "white")])
        // Grid at labelled ticks, very light, behind everything.
        w.start("g", [("stroke", "#ececec"), ("stroke-width", "1")])
        for t in xTicks where !t.label.isEmpty { let p = SVGWriter.number(sx(t.value)); w.element("line", [("x1", p), ("x2", p), ("y1", SVGWriter.number(frame.y0)), ("y2", SVGWriter.number(frame.y1))]) }
        for t in yTicks where !t.label.isEmpty { let p = SVGWriter.number(sy(t.value)); w.element("line", [("y1", p), ("y2", p), ("x1", SVGWriter.number(frame.x0)), ("x2", SVGWriter.number(frame.x1))]) }
        w.end()

        // Data, clipped to the frame.
        let clip = "\(id)-clip"
        w.start("defs")
        w.start("clipPath", [("id", clip)])
        w.element("rect", [("x", SVGWriter.number(frame.x0)), ("y", SVGWriter.number(frame.y0)),
                           ("width", SVGWriter.number(frame.x1 - frame.x0)), ("height", SVGWriter.number(frame.y1 - frame.y0))])
        w.end(); w.end()
        w.start("g", [("clip-path", "url(#\(clip))")])
        func valid(_ p: Point) -> Bool { p.x.isFinite && p.y.isFinite && (x.kind == .linear || p.x > 0) && (y.kind == .linear || p.y > 0) }
        for b in bands {
            var upper: [(Double, Double)] = [], lower: [(Double, Double)] = []
            for i in b.x.indices where i < b.lower.count && i < b.upper.count {
                let pu = Point(b.x[i], b.upper[i]), pl = Point(b.x[i], b.lower[i])
                guard valid(pu), valid(pl) else { continue }
                upper.append((sx(pu.x), sy(pu.y))); lower.append((sx(pl.x), sy(pl.y)))
            }
            guard upper.count >= 2 else { continue }
            w.element("polygon", [("points", SVGWriter.points(upper + lower.reversed())), ("fill", b.color.hex), ("fill-opacity", SVGWriter.number(b.opacity)), ("stroke", "none")])
        }
        var pixelPoints: [(Double, Double)] = []
        for s in series {
            let px = s.points.filter(valid).map { (sx($0.x), sy($0.y)) }
            if let lw = s.lineWidth, px.count >= 2 {
                var attrs: [(String, String)] = [("points", SVGWriter.points(Self.decimate(px, columns: frame.x1 - frame.x0))), ("fill", "none"),
                                                 ("stroke", s.color.hex), ("stroke-width", SVGWriter.number(lw)), ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
                if let d = s.dash { attrs.append(("stroke-dasharray", d.map(SVGWriter.number).joined(separator: " "))) }
                w.element("polyline", attrs)
            }
            if let m = s.marker { for p in px { Self.marker(&w, m, at: p, color: s.color) } }
            pixelPoints += s.lineWidth == nil ? px : Self.sampled(px)
        }
        w.end()

        // Frame and ticks (outwards), tick labels.
        w.element("rect", [("x", SVGWriter.number(frame.x0)), ("y", SVGWriter.number(frame.y0)), ("width", SVGWriter.number(frame.x1 - frame.x0)),
                           ("height", SVGWriter.number(frame.y1 - frame.y0)), ("fill", "none"), ("stroke", Color.ink.hex), ("stroke-width", "1")])
        w.start("g", [("stroke", Color.ink.hex), ("stroke-width", "1")])
        for t in xTicks {
            let p = SVGWriter.number(sx(t.value)), len = t.label.isEmpty ? 3.0 : 5.0
            w.element("line", [("x1", p), ("x2", p), ("y1", SVGWriter.number(frame.y1)), ("y2", SVGWriter.number(frame.y1 + len))])
        }
        for t in yTicks {
            let p = SVGWriter.number(sy(t.value)), len = t.label.isEmpty ? 3.0 : 5.0
            w.element("line", [("y1", p), ("y2", p), ("x1", SVGWriter.number(frame.x0 - len)), ("x2", SVGWriter.number(frame.x0))])
        }
        w.end()
        w.start("g", [("fill", Color.ink.hex), ("font-size", SVGWriter.number(Self.tickFont))])
        for t in Self.thinned(xTicks, positions: xTicks.map { sx($0.value) }) where !t.label.isEmpty {
            w.text(t.label, [("x", SVGWriter.number(sx(t.value))), ("y", SVGWriter.number(frame.y1 + 17)), ("text-anchor", "middle")])
        }
        for t in yTicks where !t.label.isEmpty {
            w.text(t.label, [("x", SVGWriter.number(frame.x0 - 8)), ("y", SVGWriter.number(sy(t.value) + 3.8)), ("text-anchor", "end")])
        }
        w.end()
        w.start("g", [("fill", Color.black.hex), ("font-size", SVGWriter.number(Self.titleFont))])
        w.text(x.title, [("x", SVGWriter.number((frame.x0 + frame.x1) / 2)), ("y", SVGWriter.number(height - 10)), ("text-anchor", "middle")])
        let yMid = (frame.y0 + frame.y1) / 2
        w.text(y.title, [("x", "0"), ("y", "0"), ("text-anchor", "middle"),
                         ("transform", "translate(\(SVGWriter.number(14)),\(SVGWriter.number(yMid))) rotate(-90)")])
        w.end()

        if let bar = colorBar { Self.drawColorBar(&w, bar, ticks: barTicks, x: frame.x1 + 14, y0: frame.y0, y1: frame.y1) }
        var occupied = drawLegend(&w, frame: frame, pixelPoints: pixelPoints)
        for a in annotations { occupied = drawAnnotation(&w, a, frame: frame, sx: sx, sy: sy, avoid: occupied) }
        return w.finish()
    }

    /// Keeps a polyline's shape with at most ~4 points per pixel column (first, min, max, last).
    static func decimate(_ px: [(Double, Double)], columns: Double) -> [(Double, Double)] {
        guard Double(px.count) > 4 * columns else { return px }
        var out: [(Double, Double)] = []
        var i = 0
        while i < px.count {
            let col = px[i].0.rounded(.down)
            var j = i, lo = i, hi = i
            while j < px.count && px[j].0.rounded(.down) == col {
                if px[j].1 < px[lo].1 { lo = j }
                if px[j].1 > px[hi].1 { hi = j }
                j += 1
            }
            for k in Set([i, lo, hi, j - 1]).sorted() { out.append(px[k]) }
            i = j
        }
        return out
    }

    /// Points along a polyline every few pixels, so the legend avoids lines as well as vertices.
    static func sampled(_ px: [(Double, Double)]) -> [(Double, Double)] {
        guard px.count >= 2 else { return px }
        var out: [(Double, Double)] = [px[0]]
        for (a, b) in zip(px, px.dropFirst()) {
            let steps = min(200, Int((Swift.abs(b.0 - a.0) + Swift.abs(b.1 - a.1)) / 4))
            if steps > 1 { for k in 1..<steps { let t = Double(k) / Double(steps); out.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)) } }
            out.append(b)
        }
        return out
    }

    /// Drops labels that would overlap their neighbours (keeps every other one, then every third…).
    static func thinned(_ ticks: [Tick], positions: [Double]) -> [Tick] {
        let labelled = ticks.indices.filter { !ticks[$0].label.isEmpty }
        for every in 1...max(1, labelled.count) {
            let kept = labelled.enumerated().filter { $0.offset % every == 0 }.map(\.element)
            let overlap = zip(kept, kept.dropFirst()).contains { a, b in
                positions[b] - positions[a] < (TextMetrics.width(ticks[a].label, size: tickFont) + TextMetrics.width(ticks[b].label, size: tickFont)) / 2 + 6
            }
            if !overlap {
                let keep = Set(kept)
                return ticks.indices.map { keep.contains($0) ? ticks[$0] : Tick(value: ticks[$0].value, label: "") }
            }
        }
        return ticks
    }

    static func marker(_ w: inout SVGWriter, _ m: Marker, at p: (Double, Double), color: Color) {
        let r = m.size, (cx, cy) = p
        let fill = m.filled ? color.hex : "white"
        let common: [(String, String)] = [("fill", fill), ("stroke", m.filled ? "white" : color.hex), ("stroke-width", m.filled ? "0.6" : "1.4")]
        func poly(_ pts: [(Double, Double)]) { w.element("polygon", [("points", SVGWriter.points(pts.map { (cx + $0.0 * r, cy + $0.1 * r) }))] + common) }
        switch m.shape {
        case .circle: w.element("circle", [("cx", SVGWriter.number(cx)), ("cy", SVGWriter.number(cy)), ("r", SVGWriter.number(r))] + common)
        case .square: poly([(-0.9, -0.9), (0.9, -0.9), (0.9, 0.9), (-0.9, 0.9)])
        case .triangle: poly([(0, -1.2), (1.1, 0.8), (-1.1, 0.8)])
        case .diamond: poly([(0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)])
        case .star:
            poly((0..<10).map { k in
                let a = Double.pi / 5 * Double(k) - Double.pi / 2, rr = k % 2 == 0 ? 1.5 : 0.62
                return (rr * Foundation.cos(a), rr * Foundation.sin(a))
            })
        case .cross:
            let d = SVGWriter.number
            w.element("path", [("d", "M\(d(cx - r)),\(d(cy - r))L\(d(cx + r)),\(d(cy + r))M\(d(cx - r)),\(d(cy + r))L\(d(cx + r)),\(d(cy - r))"),
                               ("stroke", color.hex), ("stroke-width", "1.6"), ("fill", "none")])
        }
    }

    static func drawColorBar(_ w: inout SVGWriter, _ bar: ColorBar, ticks: [Tick], x: Double, y0: Double, y1: Double) {
        let steps = 48, h = (y1 - y0) / Double(steps), barWidth = 12.0
        w.start("g", [("stroke", "none")])
        for i in 0..<steps {
            let t = (Double(i) + 0.5) / Double(steps)
            w.element("rect", [("x", SVGWriter.number(x)), ("y", SVGWriter.number(y1 - Double(i + 1) * h)), ("width", SVGWriter.number(barWidth)),
                               ("height", SVGWriter.number(h + 0.6)), ("fill", ColorMap.viridis(t).hex)])
        }
        w.end()
        w.element("rect", [("x", SVGWriter.number(x)), ("y", SVGWriter.number(y0)), ("width", SVGWriter.number(barWidth)), ("height", SVGWriter.number(y1 - y0)),
                           ("fill", "none"), ("stroke", Color.ink.hex), ("stroke-width", "0.8")])
        let s = Scale(kind: bar.kind, domain: bar.domain, range: y0...y1, inverted: true)
        var labelRight = x + barWidth
        w.start("g", [("fill", Color.ink.hex), ("font-size", SVGWriter.number(tickFont))])
        for t in ticks {
            let p = s(t.value)
            w.element("line", [("x1", SVGWriter.number(x + barWidth)), ("x2", SVGWriter.number(x + barWidth + (t.label.isEmpty ? 2.5 : 4))),
                               ("y1", SVGWriter.number(p)), ("y2", SVGWriter.number(p)), ("stroke", Color.ink.hex)])
            if !t.label.isEmpty {
                w.text(t.label, [("x", SVGWriter.number(x + barWidth + 6)), ("y", SVGWriter.number(p + 3.8))])
                labelRight = max(labelRight, x + barWidth + 6 + TextMetrics.width(t.label, size: tickFont))
            }
        }
        w.end()
        w.text(bar.title, [("x", "0"), ("y", "0"), ("text-anchor", "middle"), ("font-size", SVGWriter.number(titleFont)),
                           ("transform", "translate(\(SVGWriter.number(labelRight + 14)),\(SVGWriter.number((y0 + y1) / 2))) rotate(90)")])
    }

    typealias Frame = (x0: Double, y0: Double, x1: Double, y1: Double)
    typealias Box = (x0: Double, y0: Double, x1: Double, y1: Double)

    /// The legend goes inside the frame, in the corner that covers the fewest data points.
    /// Returns the boxes annotations must avoid.
    func drawLegend(_ w: inout SVGWriter, frame: Frame, pixelPoints: [(Double, Double)]) -> [Box] {
        let entries = series.filter { $0.label != nil } .map { (label: $0.label!, series: Optional($0), band: Band?.none) }
            + bands.filter { $0.label != nil }.map { (label: $0.label!, series: Series?.none, band: Optional($0)) }
        guard !entries.isEmpty else { return [] }
        let rowHeight = 15.0, sample = 22.0, pad = 6.0
        let boxWidth = pad * 2 + sample + 6 + (entries.map { TextMetrics.width($0.label, size: Self.legendFont) }.max() ?? 0)
        let boxHeight = pad * 2 + rowHeight * Double(entries.count) - 3
        let inset = 6.0
        let corners: [Box] = [
            (frame.x1 - inset - boxWidth, frame.y0 + inset, frame.x1 - inset, frame.y0 + inset + boxHeight),
            (frame.x0 + inset, frame.y0 + inset, frame.x0 + inset + boxWidth, frame.y0 + inset + boxHeight),
            (frame.x1 - inset - boxWidth, frame.y1 - inset - boxHeight, frame.x1 - inset, frame.y1 - inset),
            (frame.x0 + inset, frame.y1 - inset - boxHeight, frame.x0 + inset + boxWidth, frame.y1 - inset),
        ]
        func covered(_ b: Box) -> Int { pixelPoints.reduce(0) { $0 + (($1.0 >= b.x0 - 4 && $1.0 <= b.x1 + 4 && $1.1 >= b.y0 - 4 && $1.1 <= b.y1 + 4) ? 1 : 0) } }
        let box = corners.min { covered($0) < covered($1) }!
        w.start("g", [("font-size", SVGWriter.number(Self.legendFont))])
        w.element("rect", [("x", SVGWriter.number(box.x0)), ("y", SVGWriter.number(box.y0)), ("width", SVGWriter.number(box.x1 - box.x0)),
                           ("height", SVGWriter.number(box.y1 - box.y0)), ("fill", "white"), ("fill-opacity", "0.9"), ("stroke", "#bbbbbb"), ("stroke-width", "0.8"), ("rx", "2")])
        for (i, e) in entries.enumerated() {
            let cy = box.y0 + pad + rowHeight * Double(i) + 5.5, sx0 = box.x0 + pad
            if let s = e.series {
                if let lw = s.lineWidth {
                    var attrs: [(String, String)] = [("x1", SVGWriter.number(sx0)), ("x2", SVGWriter.number(sx0 + sample)), ("y1", SVGWriter.number(cy)), ("y2", SVGWriter.number(cy)),
                                                     ("stroke", s.color.hex), ("stroke-width", SVGWriter.number(lw))]
                    if let d = s.dash { attrs.append(("stroke-dasharray", d.map(SVGWriter.number).joined(separator: " "))) }
                    w.element("line", attrs)
                }
                if let m = s.marker { Self.marker(&w, m, at: (sx0 + sample / 2, cy), color: s.color) }
            } else if let b = e.band {
                w.element("rect", [("x", SVGWriter.number(sx0)), ("y", SVGWriter.number(cy - 5)), ("width", SVGWriter.number(sample)), ("height", "10"),
                                   ("fill", b.color.hex), ("fill-opacity", SVGWriter.number(max(b.opacity, 0.25)))])
            }
            w.text(e.label, [("x", SVGWriter.number(sx0 + sample + 6)), ("y", SVGWriter.number(cy + 3.6)), ("fill", Color.ink.hex)])
        }
        w.end()
        return [box]
    }

    /// Draws an annotation; a frame-positioned one moves down past the legend if they would overlap.
    func drawAnnotation(_ w: inout SVGWriter, _ a: Annotation, frame: Frame, sx: Scale, sy: Scale, avoid: [Box]) -> [Box] {
        var px: Double, py: Double
        switch a.position {
        case let .data(p): px = sx(p.x); py = sy(p.y)
        case let .frame(fx, fy): px = frame.x0 + fx * (frame.x1 - frame.x0); py = frame.y1 - fy * (frame.y1 - frame.y0)
        }
        px += a.dx; py += a.dy
        let lines = a.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let width = lines.map { TextMetrics.width($0, size: Self.legendFont) }.max() ?? 0
        func box(_ y: Double) -> Box {
            let x0 = a.anchor == .start ? px : a.anchor == .middle ? px - width / 2 : px - width
            return (x0, y - 10, x0 + width, y + 14 * Double(lines.count - 1) + 3)
        }
        if case .frame = a.position {
            for b in avoid where Self.overlaps(box(py), b) {
                let below = b.y1 + 14
                py = below + 14 * Double(lines.count) <= frame.y1 ? below : b.y0 - 14 * Double(lines.count) + 4
            }
        }
        for (i, line) in lines.enumerated() {
            w.text(line, [("x", SVGWriter.number(px)), ("y", SVGWriter.number(py + 14 * Double(i))), ("text-anchor", a.anchor.rawValue),
                          ("font-size", SVGWriter.number(Self.legendFont)), ("fill", a.color.hex),
                          ("stroke", "white"), ("stroke-width", "3"), ("stroke-linejoin", "round"), ("paint-order", "stroke")])
        }
        return avoid + [box(py)]
    }

    static func overlaps(_ a: Box, _ b: Box) -> Bool { a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }
}

/// Text widths for layout without a font engine: Helvetica's average advance per character class.
public enum TextMetrics {
    public static func width(_ s: String, size: Double) -> Double {
        var em = 0.0
        for c in s {
            switch c {
            case "i", "l", "j", "'", "|", ".", ",", ":", ";", "!", "I", " ", "(", ")", "[", "]", "f", "t", "r", "ⁱ": em += 0.3
            case "m", "w", "M", "W", "—", "×": em += 0.85
            case "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁻": em += 0.42
            case "0"..."9": em += 0.62   // wide enough for DejaVu Sans where Helvetica is missing
            default: em += c.isUppercase ? 0.68 : 0.56
            }
        }
        return em * size
    }
}
