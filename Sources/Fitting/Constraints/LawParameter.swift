/// One parameter of a law as the optimiser sees it: its name in the output, whether the
/// optimiser works on the value or its logarithm, its role (for the verdicts), and the bounds
/// physics puts on it when the user gives none.
public struct LawParameter: Sendable, Equatable {
    public enum Scale: Sendable, Equatable {
        /// The optimiser's coordinate is the value itself.
        case linear
        /// The optimiser's coordinate is ln(value) (positive by construction).
        case log
    }

    public enum Role: Sendable, Equatable {
        /// A scaling exponent: must be positive for the law to describe improvement with scale.
        case exponent
        /// The irreducible loss (E, L0): not identified when it ends on a bound.
        case irreducible
        /// A coefficient or scale constant.
        case coefficient
    }

    public var name: String
    public var scale: Scale
    public var role: Role
    public var defaultLower: Double?
    public var defaultUpper: Double?

    public init(_ name: String, _ scale: Scale, _ role: Role, lower: Double? = nil, upper: Double? = nil) {
        self.name = name; self.scale = scale; self.role = role; self.defaultLower = lower; self.defaultUpper = upper
    }

    /// An exponent, positive by default.
    static func exponent(_ name: String) -> LawParameter { LawParameter(name, .linear, .exponent, lower: 0) }
    /// A positive coefficient fitted as a logarithm.
    static func logCoefficient(_ name: String) -> LawParameter { LawParameter(name, .log, .coefficient) }
    /// An irreducible loss fitted as a logarithm, between 0 and the smallest observed loss.
    static func irreducible(_ name: String, smallestLoss: Double) -> LawParameter {
        LawParameter(name, .log, .irreducible, lower: 0, upper: smallestLoss)
    }
}
