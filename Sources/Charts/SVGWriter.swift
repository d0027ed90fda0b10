import Foundation

/// The one way Charts writes SVG: elements with attributes, text content, all escaped here.
/// Attribute names are fixed in code; every value and every text passes through `escape`, so a
/// label taken from user data (a run name with `<script>` or `&`) cannot change the document.
public struct SVGWriter {
    private var out = ""
    private var open: [String] = []

    public init(width: Double, height: Double, label: String? = nil) {
        out.reserveCapacity(16_384)
        var attributes: [(String, String)] = [
            ("xmlns", "http://www.w3.org/2000/svg"), ("width", Self.number(width)), ("height", Self.number(height)),
            ("viewBox", "0 0 \(Self.number(width)) \(Self.number(height))"),
            ("font-family", "Helvetica, Arial, 'DejaVu Sans', sans-serif"), ("font-size", "11"),
        ]
        if let label { attributes += [("role", "img"), ("aria-label", label)] }
        start("svg", attributes)
    }

    /// Opens an element that will hold children.
    public mutating func start(_ name: String, _ attributes: [(String, String)] = []) {
        tag(name, attributes, close: false)
        open.append(name)
    }

    /// Closes the innermost open element.
    public mutating func end() {
        guard let name = open.popLast() else { return }
        out += "</\(name)>"
    }

    /// An element without children.
    public mutating func element(_ name: String, _ attributes: [(String, String)]) {
        tag(name, attributes, close: true)
    }

    /// An element holding only text (escaped).
    public mutating func text(_ content: String, _ attributes: [(String, String)], element name: String = "text") {
        tag(name, attributes, close: false)
        out += Self.escape(content)
        out += "</\(name)>"
    }

    /// Closes every open element and returns the document.
    public mutating func finish() -> String {
        while !open.isEmpty { end() }
        out += "\n"
        return out
    }

    private mutating func tag(_ name: String, _ attributes: [(String, String)], close: Bool) {
        out += "<" + name
        for (k, v) in attributes { out += " \(k)=\"\(Self.escape(v))\"" }
        out += close ? "/>" : ">"
    }

    /// XML escaping for text and attribute values (both quote kinds, so either quoting is safe).
    public static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "'" }) else { return s }
        var r = ""
        r.reserveCapacity(s.count + 16)
        for c in s {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&#39;"
            default: r.append(c)
            }
        }
        return r
    }

    /// Coordinates with two decimals at most, without trailing zeros: small files, exact enough.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded() / 100
        if r == r.rounded() && abs(r) < 1e15 { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    /// A polyline's `points` attribute.
    public static func points(_ pts: [(Double, Double)]) -> String {
        var s = ""
        s.reserveCapacity(pts.count * 14)
        for (i, p) in pts.enumerated() {
            if i > 0 { s += " " }
            s += number(p.0) + "," + number(p.1)
        }
        return s
    }
}
