import Foundation

public struct Point: Sendable, Equatable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

public struct Axis: Sendable {
    /// With units, e.g. "Training tokens D" or "Validation loss (nats/token)".
    public var title: String
    public var kind: ScaleKind
    /// Fixed domain; nil fits the data.
    public var domain: ClosedRange<Double>?
    public var format: TickFormat

    public init(_ title: String, _ kind: ScaleKind = .linear, domain: ClosedRange<Double>? = nil, format: TickFormat = .automatic) {
        self.title = title; self.kind = kind; self.domain = domain; self.format = format
    }
}

public enum MarkerShape: Sendable { case circle, square, triangle, diamond, cross, star }

public struct Marker: Sendable {
    public var shape: MarkerShape
    public var size: Double
    /// Open markers (white inside) set points apart, e.g. held-out runs.
    public var filled: Bool
    public init(_ shape: MarkerShape, size: Double = 4, filled: Bool = true) { self.shape = shape; self.size = size; self.filled = filled }
}

/// Points drawn as a line and/or markers. A labelled series without points is a legend entry
/// only (e.g. one entry standing for a run's markers and its fitted line).
public struct Series: Sendable {
    public var label: String?
    public var points: [Point]
    public var color: Color
    /// Line width (nil: no line).
    public var lineWidth: Double?
    /// Dash pattern in pixels (nil: solid).
    public var dash: [Double]?
    public var marker: Marker?

    public init(_ label: String? = nil, _ points: [Point], color: Color, lineWidth: Double? = 1.5, dash: [Double]? = nil, marker: Marker? = nil) {
        self.label = label; self.points = points; self.color = color; self.lineWidth = lineWidth; self.dash = dash; self.marker = marker
    }
}

/// A shaded region between two curves sharing x values (a confidence or prediction interval).
public struct Band: Sendable {
    public var label: String?
    public var x: [Double], lower: [Double], upper: [Double]
    public var color: Color
    public var opacity: Double
    public init(_ label: String? = nil, x: [Double], lower: [Double], upper: [Double], color: Color, opacity: Double = 0.18) {
        self.label = label; self.x = x; self.lower = lower; self.upper = upper; self.color = color; self.opacity = opacity
    }
}

/// Text on the chart: at a data point, or at a fraction of the frame (0,0 = bottom left).
public struct Annotation: Sendable {
    public enum Position: Sendable { case data(Point), frame(Double, Double) }
    public enum Anchor: String, Sendable { case start, middle, end }
    public var text: String
    public var position: Position
    public var anchor: Anchor
    public var color: Color
    public var dx: Double, dy: Double
    public init(_ text: String, at position: Position, anchor: Anchor = .start, color: Color = .ink, dx: Double = 0, dy: Double = 0) {
        self.text = text; self.position = position; self.anchor = anchor; self.color = color; self.dx = dx; self.dy = dy
    }
}

/// A continuous colour scale (viridis) shown beside the frame.
public struct ColorBar: Sendable {
    public var title: String
    public var kind: ScaleKind
    public var domain: ClosedRange<Double>
    public var format: TickFormat
    public init(_ title: String, kind: ScaleKind = .log, domain: ClosedRange<Double>, format: TickFormat = .automatic) {
        self.title = title; self.kind = kind; self.domain = domain; self.format = format
    }

    /// The viridis colour of a value on this bar.
    public func color(_ v: Double) -> Color {
        let s = Scale(kind: kind, domain: domain, range: 0...1)
        return ColorMap.viridis(s(v))
    }
}

/// A figure: axes, series, bands, annotations, legend and colour bar, drawn in one style.
public struct Chart: Sendable {
    /// Prefix of the SVG's internal ids (clip path); unique per page.
    public var id: String
    public var width: Double
    public var height: Double
    public var x: Axis
    public var y: Axis
    public var series: [Series] = []
    public var bands: [Band] = []
    public var annotations: [Annotation] = []
    public var colorBar: ColorBar?
    /// Accessible description (aria-label) of the figure.
    public var label: String?

    public init(id: String, width: Double = 520, height: Double = 350, x: Axis, y: Axis) {
        self.id = id; self.width = width; self.height = height; self.x = x; self.y = y
    }
}
