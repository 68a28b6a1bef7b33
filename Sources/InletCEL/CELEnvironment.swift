/// Everything an expression is compiled against: libraries, declarations, container and limits.
///
/// Compile once, evaluate many times: ``compile(_:)`` returns a ``CELProgram`` that is immutable and `Sendable`,
/// so any number of threads may evaluate it concurrently.
public struct CELEnvironment: Sendable {
    /// Compilation options and limits guarding against hostile expressions.
    public struct Options: Sendable {
        /// The container (namespace) names are resolved in, e.g. `"com.example"`: the identifier `x` then refers to
        /// `com.example.x`, `com.x` or `x`, the longest bound name winning. Default: `""`.
        public var container: String = ""
        /// Run the type checker: unknown identifiers and calls that match no overload are reported at compile time.
        /// Requires every variable to be declared (``CELEnvironment/declare(_:as:)``). Default: `false`.
        public var typeCheck: Bool = false
        /// Expand macros (`has`, `all`, `exists`, `map`, `filter`, `cel.bind`, ...). Default: `true`.
        public var macros: Bool = true
        /// Maximum source length in Unicode scalars. Default: 100,000.
        public var maxSourceLength: Int = 100_000
        /// Maximum nesting depth of the expression (parentheses, calls, operators, lists, ...). Default: 250.
        public var maxNestingDepth: Int = 250
        /// Maximum number of AST nodes after macro expansion. Default: 100,000.
        public var maxNodeCount: Int = 100_000
        /// Maximum comprehension iterations in one evaluation (all macros together). Default: 10,000,000.
        public var maxIterations: Int = 10_000_000

        public init() {}
    }

    public var options: Options
    /// Extension libraries in registration order (the standard library comes first, implicitly).
    public private(set) var libraries: [CELLibrary]
    /// Declared variables and their types (for the checker; also lets names resolve at compile time).
    public private(set) var variables: [String: CELType] = [:]
    /// Functions declared for the checker only (no implementation), keyed by name.
    public private(set) var declaredFunctions: [String: [CELOverload]] = [:]

    let registry: FunctionRegistry

    public init(options: Options = Options(), libraries: [CELLibrary] = []) {
        self.options = options
        self.libraries = libraries
        self.registry = FunctionRegistry(libraries: [StandardLibrary.library] + libraries)
    }

    /// Declares a variable for the checker.
    public mutating func declare(_ name: String, as type: CELType) {
        variables[name] = type
    }

    /// Declares a function signature for the checker only; calling it at run time fails with `no_such_overload`
    /// unless a library implements it.
    public mutating func declareFunction(
        _ name: String, id: String, isMember: Bool = false, parameters: [CELType], result: CELType
    ) {
        declaredFunctions[name, default: []].append(CELOverload(
            id: id, function: name, isMember: isMember, parameters: parameters, result: result,
            implementation: .nary { _ throws(CELError) in throw CELError(.noSuchOverload, "no implementation for \(name)") }
        ))
    }

    /// Parses, (optionally) checks and plans an expression.
    /// - Throws: ``CELError`` with code `.parse`, `.check` or `.limit` and the position of the offending token.
    public func compile(_ source: String) throws(CELError) -> CELProgram {
        try Compiler(environment: self).compile(source)
    }
}
