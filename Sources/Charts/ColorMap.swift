import Foundation

/// An sRGB colour written as `#rrggbb`.
public struct Color: Sendable, Equatable {
    public var r: Double, g: Double, b: Double
    public init(r: Double, g: Double, b: Double) { self.r = r; self.g = g; self.b = b }

    public init(hex: UInt32) {
        r = Double((hex >> 16) & 0xff) / 255; g = Double((hex >> 8) & 0xff) / 255; b = Double(hex & 0xff) / 255
    }

    public var hex: String {
        func c(_ x: Double) -> Int { Int((min(max(x, 0), 1) * 255).rounded()) }
        return String(format: "#%02x%02x%02x", c(r), c(g), c(b))
    }

    /// Relative luminance (Rec. 709 weights on linearised sRGB): what greyscale printing keeps.
    public var luminance: Double {
        func lin(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : Foundation.pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    public static let black = Color(hex: 0x000000)
    public static let ink = Color(hex: 0x222222)
    public static let grey = Color(hex: 0x777777)
    public static let lightGrey = Color(hex: 0xd9d9d9)
    /// Highlights (fits, minima) drawn over the colour-mapped data: dark enough to read in grey.
    public static let accent = Color(hex: 0xc0392b)
}

/// Viridis (van der Walt & Smith, matplotlib): perceptually uniform, its lightness rises
/// monotonically (so it survives greyscale printing) and it stays distinguishable under the
/// common colour-vision deficiencies. Interpolated between its 11 published decile colours.
/// The last ~12% (pale yellow) is left out so every colour reads as a line on white paper.
public enum ColorMap {
    static let viridisStops: [UInt32] = [0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c,
                                         0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725]
    /// The part of the map used on white paper.
    public static let usable: ClosedRange<Double> = 0...0.88

    /// The colour at `t` ∈ [0, 1] (clamped) of the usable part of viridis.
    public static func viridis(_ t: Double) -> Color {
        let u = usable.lowerBound + (usable.upperBound - usable.lowerBound) * min(max(t.isFinite ? t : 0, 0), 1)
        let x = u * Double(viridisStops.count - 1)
        let i = min(Int(x), viridisStops.count - 2), f = x - Double(i)
        let a = Color(hex: viridisStops[i]), b = Color(hex: viridisStops[i + 1])
        return Color(r: a.r + (b.r - a.r) * f, g: a.g + (b.g - a.g) * f, b: a.b + (b.b - a.b) * f)
    }

    /// `count` evenly spaced colours for discrete series (endpoints included).
    public static func discrete(_ count: Int) -> [Color] {
        guard count > 1 else { return [viridis(0.35)] }
        return (0..<count).map { viridis(Double($0) / Double(count - 1)) }
    }
}
