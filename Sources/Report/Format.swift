import Charts
import Foundation

/// Numbers as the report prints them.
public enum Format {
    /// 3 significant digits; powers of ten (2.5×10¹⁵) outside 10⁻³ … 10⁵.
    public static func number(_ x: Double, digits: Int = 3) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        if x == 0 { return "0" }
        let a = Swift.abs(x)
        if a >= 1e5 || a < 1e-3 {
            let e = Int(Foundation.floor(Foundation.log10(a)))
            var m = x / Foundation.pow(10, Double(e))
            if Swift.abs(m) >= 9.995 { m /= 10; return trim(String(format: "%.\(digits - 1)f", m)) + "×10" + sup(e + 1) }
            return trim(String(format: "%.\(digits - 1)f", m)) + "×10" + sup(e)
        }
        return trim(String(format: "%.\(digits)g", x))
    }

    static func sup(_ e: Int) -> String { Scale.superscript(e) }

    static func trim(_ s: String) -> String {
        var s = s
        if s.contains(".") && !s.contains("e") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
        return s.replacingOccurrences(of: "-", with: "−")
    }

    /// 1.2M, 350k (parameter and token counts).
    public static func count(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        for (f, u) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where x >= f { return trim(String(format: "%.3g", x / f)) + u }
        return trim(String(format: "%.3g", x))
    }

    /// 42 s, 3 min 5 s, 2 h 10 min.
    public static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "n/a" }
        if s < 60 { return String(format: "%.1f s", s) }
        if s < 3600 { return "\(Int(s) / 60) min \(Int(s) % 60) s" }
        return "\(Int(s) / 3600) h \((Int(s) % 3600) / 60) min"
    }

    /// A formula written with `_{…}` and `^{…}` as HTML with sub- and superscripts; the text is
    /// escaped first, so only the tags added here are markup.
    public static func formulaHTML(_ formula: String) -> String {
        var s = formula.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        guard let re = try? NSRegularExpression(pattern: "([_^])\\{([^{}]*)\\}") else { return s }
        while let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)), let r = Range(m.range, in: s),
              let kind = Range(m.range(at: 1), in: s), let body = Range(m.range(at: 2), in: s) {
            let tag = s[kind] == "_" ? "sub" : "sup"
            s.replaceSubrange(r, with: "<\(tag)>\(s[body])</\(tag)>")
        }
        return s
    }

    /// The same formula as plain text (for SVG labels and the JSON): braces dropped.
    public static func formulaText(_ formula: String) -> String {
        formula.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
    }
}
