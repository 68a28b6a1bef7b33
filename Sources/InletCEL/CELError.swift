/// A position in CEL source text. Lines and columns are 1-based; columns count Unicode scalars.
public struct CELSourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in Unicode scalars from the start of the line.
    public var column: Int
    /// 0-based offset in Unicode scalars from the start of the source.
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }
}

/// The one error type of `InletCEL`: parse, check and evaluation failures are all `CELError` values.
///
/// Evaluation errors are ordinary CEL values while an expression runs (`false && error` is `false`); only an
/// error that reaches the top of the expression is thrown from ``CELProgram/evaluate(_:)``.
/// The description never contains bound values, only the expression's own text positions and type names.
public struct CELError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: compare with the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The source text is not valid CEL (syntax, reserved word, bad literal, bad macro use).
        public static let parse = Code("parse")
        /// The type checker rejected the expression (unknown identifier, no matching overload).
        public static let check = Code("check")
        /// A limit guarding against hostile input was exceeded (source size, nesting depth, iterations).
        public static let limit = Code("limit")
        /// A runtime error: no matching overload for the actual argument types.
        public static let noSuchOverload = Code("no_such_overload")
        /// A runtime error: a variable the expression refers to was not bound.
        public static let unboundVariable = Code("unbound_variable")
        /// A runtime error: map key or field not present, index out of range.
        public static let notFound = Code("not_found")
        /// A runtime error: integer overflow, division by zero, range errors of conversions and timestamps.
        public static let arithmetic = Code("arithmetic")
        /// Any other runtime error (invalid argument, bad regular expression, bad JSON, ...).
        public static let evaluation = Code("evaluation")
        /// The JSON document handed to ``CELValue/init(jsonUTF8:mode:)`` is malformed.
        public static let invalidJSON = Code("invalid_json")
    }

    /// The kind of failure.
    public var code: Code
    /// A human reason that says what went wrong.
    public var message: String
    /// Where in the expression source the failure happened, when known.
    public var position: CELSourcePosition?

    public init(_ code: Code, _ message: String, position: CELSourcePosition? = nil) {
        self.code = code
        self.message = message
        self.position = position
    }

    /// CEL errors are deterministic: evaluating the same expression on the same input fails again.
    public var isRetriable: Bool { false }

    public var description: String {
        if let position { return "\(code) error at \(position): \(message)" }
        return "\(code) error: \(message)"
    }

    /// Source offset (in Unicode scalars) of the node that raised a runtime error, before it is turned into a
    /// line and column at the top of evaluation.
    var offset: Int32? = nil

    static func noSuchOverload(_ function: String, _ args: CELValue...) -> CELError {
        CELError(.noSuchOverload, "no such overload: \(function)(\(args.map { $0.typeName }.joined(separator: ", ")))")
    }
    static func noSuchOverload(_ function: String, _ args: [CELValue]) -> CELError {
        CELError(.noSuchOverload, "no such overload: \(function)(\(args.map { $0.typeName }.joined(separator: ", ")))")
    }
    static func overflow(_ operation: String) -> CELError {
        CELError(.arithmetic, "\(operation): integer overflow")
    }
}
