import Foundation

/// Linear or logarithmic (base 10) mapping of data values to pixels.
public enum ScaleKind: Sendable { case linear, log }

/// How tick labels are written.
public enum TickFormat: Sendable {
    /// 10⁶, 3×10⁶ on log axes; plain decimals on linear ones.
    case automatic
    /// SI suffixes: 1k, 30M, 2G (counts of parameters or tokens).
    case si
}

/// A tick: its value and its label (empty for a minor tick).
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var label: String
}

public struct Scale: Sendable {
    public var kind: ScaleKind
    public var domain: ClosedRange<Double>
    public var range: ClosedRange<Double>
    /// Pixels increase downwards on a y axis.
    public var inverted: Bool

    public init(kind: ScaleKind, domain: ClosedRange<Double>, range: ClosedRange<Double>, inverted: Bool = false) {
        self.kind = kind; self.domain = domain; self.range = range; self.inverted = inverted
    }

    func transform(_ v: Double) -> Double { kind == .log ? Foundation.log10(v) : v }

    /// Pixel position of a data value (values outside the domain map outside the range).
    public func callAsFunction(_ v: Double) -> Double {
        let a = transform(domain.lowerBound), b = transform(domain.upperBound)
        let t = b > a ? (transform(v) - a) / (b - a) : 0.5
        return inverted ? range.upperBound - t * (range.upperBound - range.lowerBound) : range.lowerBound + t * (range.upperBound - range.lowerBound)
    }

    /// A domain that covers `values` with a little room, ends on round numbers for linear
    /// scales; for log scales, padded by a few percent of the decades shown.
    public static func niceDomain(_ values: [Double], kind: ScaleKind, includeZero: Bool = false) -> ClosedRange<Double> {
        let v = values.filter { $0.isFinite && (kind == .linear || $0 > 0) }
        guard var lo = v.min(), var hi = v.max() else { return kind == .log ? 1...10 : 0...1 }
        if kind == .log {
            if hi / lo < 1.0001 { lo /= 1.5; hi *= 1.5 }
            let pad = Foundation.pow(hi / lo, 0.05)
            return (lo / pad)...(hi * pad)
        }
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < 1e-12 * max(abs(hi), 1) { lo -= max(abs(lo) * 0.1, 0.5); hi += max(abs(hi) * 0.1, 0.5) }
        let pad = (hi - lo) * 0.04
        let step = niceStep((hi - lo) / 5)
        // Quantities that cannot be negative (a learning rate, a token count) keep 0 as their floor.
        let nlo = lo >= 0 && lo - pad < 0 ? 0 : Foundation.floor((lo - pad) / step) * step
        return nlo...(Foundation.ceil((hi + pad) / step) * step)
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let e = Foundation.floor(Foundation.log10(raw)), f = raw / Foundation.pow(10, e)
        // The nearest of 1, 2, 5, 10 on a log scale, so an axis gets 4 to 8 labelled ticks.
        let m: Double = f < 1.42 ? 1 : f < 3.17 ? 2 : f < 7.08 ? 5 : 10
        return m * Foundation.pow(10, e)
    }

    /// Major (labelled) and minor ticks inside the domain. Log axes: every decade (every k-th
    /// when there are many), 2× and 5× labelled when fewer than two decades show, minor ticks at
    /// 2…9; an axis spanning less than a decade gets round linear values.
    public func ticks(format: TickFormat = .automatic) -> [Tick] {
        let lo = domain.lowerBound, hi = domain.upperBound
        guard hi > lo else { return [] }
        if kind == .linear {
            let step = Self.niceStep((hi - lo) / 5)
            let mantissa = step / Foundation.pow(10, Foundation.floor(Foundation.log10(step)))
            let minorStep = step / (Swift.abs(mantissa - 2) < 1e-9 ? 4 : 5)
            // One notation per axis: powers of ten when the largest value is tiny or huge.
            let largest = max(Swift.abs(lo), Swift.abs(hi))
            let scientific = largest >= 1e5 || largest < 1e-3
            var out: [Tick] = []
            var k = Foundation.ceil(lo / minorStep - 1e-9)
            while k * minorStep <= hi + minorStep * 1e-9 {
                let v = k * minorStep
                let value = Swift.abs(v) < step * 1e-9 ? 0 : v
                let isMajor = Swift.abs(v / step - (v / step).rounded()) < 1e-6
                out.append(Tick(value: value, label: isMajor ? Self.label(value, step: step, format: format, scientific: scientific) : ""))
                k += 1
            }
            return out
        }
        let e0 = Int(Foundation.floor(Foundation.log10(lo))), e1 = Int(Foundation.ceil(Foundation.log10(hi)))
        let decades = Foundation.log10(hi / lo)
        if decades < 0.9 {  // less than a decade: round values, placed logarithmically
            let linear = Scale(kind: .linear, domain: domain, range: range)
            return linear.ticks(format: format).filter { $0.value > 0 }
        }
        let every = max(1, Int(Foundation.ceil(decades / 6)))
        var out: [Tick] = []
        for e in e0...e1 {
            let base = Foundation.pow(10, Double(e))
            for m in 1...9 {
                let v = Double(m) * base
                guard v >= lo * (1 - 1e-9), v <= hi * (1 + 1e-9) else { continue }
                var label = ""
                if m == 1 && e % every == 0 { label = Self.logLabel(mantissa: 1, exponent: e, format: format) }
                else if decades < 2.2 && (m == 2 || m == 5) { label = Self.logLabel(mantissa: m, exponent: e, format: format) }
                if every > 1 && m > 1 { continue }  // many decades: no minor clutter
                out.append(Tick(value: v, label: label))
            }
        }
        return out
    }

    /// An integer in superscript digits (for 10⁶).
    public static func superscript(_ e: Int) -> String { String(String(e).map { superscripts[$0] ?? $0 }) }

    static let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]

    static func logLabel(mantissa m: Int, exponent e: Int, format: TickFormat) -> String {
        if format == .si, let s = si(Double(m) * Foundation.pow(10, Double(e))) { return s }
        if e >= 0 && e <= 3 { return String(Int((Double(m) * Foundation.pow(10, Double(e))).rounded())) }
        if e < 0 && e >= -2 { return Self.trimmed(Double(m) * Foundation.pow(10, Double(e))) }
        let power = "10" + superscript(e)
        return m == 1 ? power : "\(m)×" + power
    }

    /// 1k, 30M, 2G, 1.5T (nil when outside 1 … 10¹⁵).
    static func si(_ v: Double) -> String? {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, "")]
        for (f, u) in units where v >= f * 0.9999 { return trimmed(v / f) + u }
        return nil
    }

    static func label(_ v: Double, step: Double, format: TickFormat, scientific: Bool) -> String {
        if format == .si, v >= 1, let s = si(v) { return s }
        let a = Swift.abs(v)
        if a != 0 && scientific {
            let e = Int(Foundation.floor(Foundation.log10(a)))
            let m = v / Foundation.pow(10, Double(e))
            return trimmed(m) + "×10" + superscript(e)
        }
        let decimals = max(0, -Int(Foundation.floor(Foundation.log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", v).replacingOccurrences(of: "-", with: "−")
    }

    /// Up to 3 significant digits, no trailing zeros.
    public static func trimmed(_ v: Double) -> String {
        var s = String(format: "%.3g", v)
        if s.contains(".") && !s.contains("e") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
        return s.replacingOccurrences(of: "-", with: "−")
    }
}
